import FedBotCore
import FedBotModels

/// The watcher's durable state (its state machine's state, mutes, the notice scope) and its way into the
/// outbox: a poll's new state and its notices are stored in one transaction, then the outbox is rung.
/// `mute`/`unmute`/`incidents` read and write the same rows through `StoredWatcherControl`.
public struct WatcherStore: Sendable {
    let store: BotStore
    let outbox: Outbox

    public init(store: BotStore, outbox: Outbox) {
        self.store = store
        self.outbox = outbox
    }

    /// The state after the last poll, or a fresh one before the first.
    func state() async throws -> WatcherState { try await store.watcherState() }

    /// Mutes in force at `now`, server → end.
    func activeMutes(now: Timestamp) async throws -> [String: Timestamp] {
        try await store.activeMutes(now: now.milliseconds)
    }

    /// Acknowledgements and mutes until recovery in force.
    func silences() async throws -> IncidentSilences { try await store.silences() }

    /// Stores a poll's state and queues its notices in one transaction, then rings the outbox.
    func commit(_ state: WatcherState, messages: [OutgoingMessage], now: Timestamp) async throws {
        try await store.commitWatcher(state, messages: messages, now: now.milliseconds)
        guard !messages.isEmpty else { return }
        CrashPoint.afterWatcherCommit.reached()
        outbox.notify()
    }

    /// Queues messages (each at most once, by transaction ID) in one transaction, then rings the outbox.
    func enqueue(_ messages: [OutgoingMessage], now: Timestamp) async throws {
        try await store.enqueue(messages, now: now.milliseconds)
        outbox.notify()
    }

    /// Whether a transaction is queued or sent.
    func transactionState(_ transactionID: String) async throws -> OutboxTransactionState {
        try await store.transactionState(transactionID)
    }

    /// The stored notice scope (see `NoticeOutbox.postTransaction`), nil before one was chosen.
    func noticeScope() async throws -> String? { try await store.value(BotStore.Key.noticeScope) }
    func setNoticeScope(_ scope: String) async throws {
        try await store.setValue(scope, for: BotStore.Key.noticeScope)
    }
}
