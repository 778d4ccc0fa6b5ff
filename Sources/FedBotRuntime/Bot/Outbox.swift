public import FedBotCore
public import FedBotModels

/// The outbox between whoever queues messages (the command worker's replies and follow-ups, the watcher's
/// notices: each in the same transaction as its own state, then `notify()`) and the one service that
/// sends them (`OutboxService`). The messages live in the store; the doorbell says there are new ones.
public struct Outbox: Sendable {
    let store: BotStore
    let wakeup: Wakeup

    public init(store: BotStore, clock: any BotClock) {
        self.store = store
        self.wakeup = Wakeup(clock: clock)
    }

    // MARK: Producers

    /// Rings the sender: messages were queued.
    public func notify() { wakeup.signal() }

    // MARK: The sender

    /// Messages not sent yet (and not given up on), except those to `rooms`, in the order they were queued.
    func unsent(excluding rooms: Set<RoomID> = []) async throws -> [OutboxEntry] {
        try await store.unsentMessages(excluding: rooms.map(\.rawValue))
    }
    func markSent(_ id: Int64, eventID: EventID, now: Timestamp) async throws {
        try await store.markSent(id, eventID: eventID.rawValue, now: now.milliseconds)
    }
    func markAttempt(_ id: Int64) async throws { try await store.markAttempt(id) }
    func markFailed(_ id: Int64, reason: String) async throws { try await store.markFailed(id, reason: reason) }
    func transactionState(_ transactionID: String) async throws -> OutboxTransactionState {
        try await store.transactionState(transactionID)
    }
    /// Waits until messages are queued or `timeout` passed.
    func wait(timeout: Duration) async { await wakeup.wait(timeout: timeout) }

    // MARK: Metrics and status

    /// Messages waiting to be sent (an indexed count of the unsent rows only).
    public func pendingCount() async throws -> Int { try await store.unsentCount() }

    /// Messages queued since `since` that could not be delivered, by room.
    public func undelivered(since: Timestamp) async throws -> [StatusReply.Undelivered] {
        try await store.undeliveredMessages(since: since.milliseconds).map {
            StatusReply.Undelivered(room: $0.room, count: $0.count, reason: $0.reason)
        }
    }
}
