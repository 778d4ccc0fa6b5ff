import Logging
import MatrixClient
import ServiceLifecycle

/// Joins, in the background, the configured rooms whose join at start-up failed for a transient reason
/// (a 502 while Synapse restarts, no connection): tries again after 2 s, doubling up to 5 minutes, until
/// every such room is joined or the bot shuts down. A joined room becomes an admin or notice room at once
/// (the sync service re-uploads its filter before its next long-poll; the watcher posts there from its next
/// poll).
struct RoomJoiner: Service {
    let rooms: RoomDirectory
    let matrix: MatrixClient
    let clock: any BotClock
    let logger: Logger
    var firstBackoff = Duration.seconds(2)
    var maxBackoff = Duration.seconds(300)

    func run() async throws {
        var backoff = firstBackoff
        while await rooms.hasPendingJoins, !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { [clock, backoff] in try await clock.sleep(for: backoff) }
                let left = await cancelWhenGracefulShutdown { [rooms, matrix] in await rooms.retryJoins(matrix) }
                if left == 0 { logger.info("Joined every configured room") }
            } catch {
                return
            }
            backoff = min(backoff * 2, maxBackoff)
        }
        // A service that returns ends its group: stay until shutdown.
        try? await gracefulShutdown()
    }
}
