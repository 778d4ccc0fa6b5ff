import FedBotCore
public import FedBotModels
import Logging
import MatrixClient
import ServiceLifecycle

/// Who the bot is, resolved once before the services that need it are made.
public struct BotIdentity: Sendable, Equatable {
    public var userID: UserID
    public var deviceID: String?

    public init(userID: UserID, deviceID: String? = nil) {
        self.userID = userID
        self.deviceID = deviceID
    }
}

/// The start-up step: whoami (retried while the homeserver cannot be reached; an invalid token stops the
/// bot with one clear line), then the configured rooms are joined and their encryption checked.
struct BotStartup: Sendable {
    let matrix: MatrixClient
    let rooms: RoomDirectory
    let store: BotStore
    let homeserverURL: String
    let retry: TransientRetry
    let logger: Logger

    func run() async throws -> BotIdentity {
        let whoami: MatrixClient.WhoAmI
        do {
            whoami = try await retry.run("reach the homeserver") { try await matrix.whoAmI() }
        } catch let error as MatrixError where error.isAuthenticationFailure {
            throw BotFatalError(
                "the access token for \(homeserverURL) is not valid (\(error.errcode ?? "HTTP 401")): "
                    + "log in again with `fedbot login` or fix homeserver.access_token")
        }
        let identity = BotIdentity(userID: whoami.userID, deviceID: whoami.deviceID)
        try await store.setValue(identity.userID.rawValue, for: BotStore.Key.userID)
        logger.info(
            "Logged in",
            metadata: [
                "user": "\(LogText.sanitized(identity.userID.rawValue))",
                "device": "\(LogText.sanitized(whoami.deviceID ?? "none"))",
            ])
        if whoami.deviceID == nil {
            logger.warning(
                "The access token has no device: retries after a crash are still deduplicated per token, but a new token loses that"
            )
        }
        await rooms.joinConfiguredRooms(matrix)
        for room in await rooms.adminRoomIDs.sorted(by: { $0.rawValue < $1.rawValue }) {
            if (try? await matrix.state(room, type: "m.room.encryption")) ?? nil != nil {
                await rooms.warnEncrypted(room, logger: logger)
            }
        }
        return identity
    }
}

/// Retries an operation on transient errors (transport, 5xx, 429) with doubling backoff on the bot's
/// clock (a 429 waits as long as the server asks) until it succeeds, fails for good, or the service
/// shuts down.
struct TransientRetry: Sendable {
    let clock: any BotClock
    let health: BotHealth
    let logger: Logger

    func run<T: Sendable>(_ what: String, _ operation: @Sendable () async throws -> T) async throws -> T {
        var backoff = Duration.seconds(1)
        while true {
            do {
                return try await operation()
            } catch let error as MatrixError where error.isTransient {
                if Task.isCancelled || Task.isShuttingDownGracefully { throw CancellationError() }
                logger.warning("Cannot \(what) yet, retrying", metadata: ["error": "\(error)", "in": "\(backoff)"])
                health.syncFailed(error.description)
                let wait = error.isRateLimited ? (error.retryAfter ?? backoff) : backoff
                // Ends at once on graceful shutdown, wherever the retry runs.
                try await cancelWhenGracefulShutdown { try await clock.sleep(for: wait) }
                backoff = min(backoff * 2, .seconds(60))
            }
        }
    }
}
