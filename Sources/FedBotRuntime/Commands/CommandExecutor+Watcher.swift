import FedBotCore
import FedBotModels

/// `mute`, `unmute` and `incidents`: the watcher's store. Without the watcher they answer `NoticesOffReply`.
extension CommandExecutor {
    func mute(_ server: ServerName, for duration: Duration) async throws -> Execution {
        let until = now() + duration
        try await requireWatcher().mute(server, until: until, by: requester)
        return ok(MuteReply(server: server, until: until))
    }

    func muteUntilRecovered(_ server: ServerName) async throws -> Execution {
        let muted = try await requireWatcher().muteUntilRecovered(server, by: requester)
        return ok(MuteUntilRecoveredReply(server: server, by: requester, wasOpen: muted))
    }

    func acknowledge(_ server: ServerName) async throws -> Execution {
        let watcher = try requireWatcher()
        let acknowledged = try await watcher.acknowledge(server, by: requester ?? "a shell")
        return ok(AckReply(server: server, by: requester, wasOpen: acknowledged))
    }

    func unmute(_ server: ServerName) async throws -> Execution {
        let wasMuted = try await requireWatcher().unmute(server)
        return ok(UnmuteReply(server: server, wasMuted: wasMuted))
    }

    func incidents() async throws -> Execution {
        ok(IncidentsReply(incidents: try await requireWatcher().openIncidents()))
    }

    /// The watcher, for the actions whose declaration `needsWatcher`.
    func requireWatcher() throws(NoticesOff) -> any WatcherControl {
        guard let watcher else { throw NoticesOff() }
        return watcher
    }
}

/// An action that needs the watcher, in a bot without notice rooms.
struct NoticesOff: Error {}
