import FedBotCore
public import FedBotModels
import Foundation
public import Logging
public import MatrixClient
import Synchronization

/// What the bot's services share: clients, the store, the rooms, the executor and two doorbells.
public final class BotContext: Sendable {
    public let config: FedBotConfig
    public let store: BotStore
    public let matrix: MatrixClient
    public let rooms: RoomDirectory
    public let logger: Logger
    public let now: @Sendable () -> Timestamp
    /// Rings when commands were recorded.
    public let commandWakeup = Wakeup()
    /// Rings when messages were enqueued.
    public let outboxWakeup = Wakeup()
    /// Rings to make the watcher poll now (and at shutdown).
    public let watcherWakeup = Wakeup()
    /// Opens once the configured rooms are joined (the watcher needs the notice rooms).
    public let roomsReady = Gate()
    public let health = BotHealth()
    private let identity = Mutex<UserID?>(nil)

    public init(
        config: FedBotConfig, store: BotStore, matrix: MatrixClient, logger: Logger,
        now: @escaping @Sendable () -> Timestamp = Timestamp.now
    ) {
        self.config = config
        self.store = store
        self.matrix = matrix
        self.rooms = RoomDirectory(adminRooms: config.bot.rooms, noticeRooms: config.notices.rooms, logger: logger)
        self.logger = logger
        self.now = now
    }

    /// The bot's own user ID, once whoami answered.
    public var me: UserID? {
        get { identity.withLock { $0 } }
        set { identity.withLock { $0 = newValue } }
    }
}

/// What `/healthz` and `status` report about the bot itself.
public final class BotHealth: Sendable {
    private let state = Mutex<(lastSync: Timestamp?, lastSyncError: String?, ready: Bool)>((nil, nil, false))

    public init() {}

    public func syncSucceeded(at time: Timestamp) {
        state.withLock {
            $0.lastSync = time
            $0.lastSyncError = nil
            $0.ready = true
        }
    }

    public func syncFailed(_ error: String) {
        state.withLock { $0.lastSyncError = error }
    }

    /// The last successful sync, nil before the first.
    public var lastSync: Timestamp? { state.withLock { $0.lastSync } }
    public var lastSyncError: String? { state.withLock { $0.lastSyncError } }
}

/// A fatal problem that stops the bot with one clear line.
public struct BotFatalError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
