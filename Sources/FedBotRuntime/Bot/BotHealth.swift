public import FedBotModels
import Synchronization

/// What `/healthz` and `/metrics` report about the bot itself. The sync service writes it; the metrics
/// server reads it.
public final class BotHealth: Sendable {
    private let state = Mutex<(lastSync: Timestamp?, lastSyncError: String?)>((nil, nil))

    public init() {}

    public func syncSucceeded(at time: Timestamp) {
        state.withLock {
            $0.lastSync = time
            $0.lastSyncError = nil
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
