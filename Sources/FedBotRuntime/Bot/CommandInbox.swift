import FedBotCore
import FedBotModels

/// Commands between the sync service, which records them with the sync position that delivered them and
/// rings, and the command worker, which answers them: each reply goes into the outbox in the same
/// transaction that marks its command done, and the outbox is rung.
public struct CommandInbox: Sendable {
    let store: BotStore
    let wakeup: Wakeup
    let outbox: Outbox

    public init(store: BotStore, outbox: Outbox, clock: any BotClock) {
        self.store = store
        self.outbox = outbox
        self.wakeup = Wakeup(clock: clock)
    }

    // MARK: The sync service

    /// Records one sync response's commands and its `next_batch` in one transaction, and rings the
    /// worker when a command was new. Returns how many were new.
    @discardableResult
    func record(nextBatch: String, commands: [StoredCommand]) async throws -> Int {
        let added = try await store.recordSync(nextBatch: nextBatch, commands: commands)
        if added > 0 {
            CrashPoint.afterRecord.reached()
            wakeup.signal()
        }
        return added
    }

    // MARK: The command worker

    /// Commands not answered yet, oldest first.
    func pending() async throws -> [StoredCommand] { try await store.pendingCommands() }

    /// Marks `command` done with its reply queued (and its follow-up scheduled), then rings the outbox.
    func complete(
        _ command: StoredCommand, reply: OutgoingMessage?, followUp: (json: String, due: Timestamp)?, now: Timestamp
    )
        async throws
    {
        let record = followUp.map { (json: $0.json, due: $0.due.milliseconds) }
        try await store.complete(command, reply: reply, followUp: record, now: now.milliseconds)
        CrashPoint.afterComplete.reached()
        if reply != nil { outbox.notify() }
    }

    /// When the next follow-up is due, if any.
    func nextFollowUpDue() async throws -> Timestamp? {
        try await store.nextFollowUpDue().map(Timestamp.init(milliseconds:))
    }

    /// Follow-ups due at `now`, oldest first.
    func dueFollowUps(now: Timestamp) async throws -> [(command: StoredCommand, json: String)] {
        try await store.dueFollowUps(now: now.milliseconds)
    }

    /// Queues a follow-up's message and clears the follow-up, then rings the outbox.
    func completeFollowUp(of command: StoredCommand, message: OutgoingMessage?, now: Timestamp) async throws {
        try await store.completeFollowUp(of: command, message: message, now: now.milliseconds)
        if message != nil { outbox.notify() }
    }

    /// Waits until commands are recorded, `timeout` passed, or `stop()` was called.
    func wait(timeout: Duration) async { await wakeup.wait(timeout: timeout) }

    /// Wakes the worker (at shutdown).
    func wakeWorker() { wakeup.signal() }
}
