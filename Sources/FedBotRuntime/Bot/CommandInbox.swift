public import FedBotCore
import FedBotModels
public import MatrixClient

/// Commands between the sync service, which records them with the sync position that delivered them and
/// rings, and the command worker, which answers them: each reply goes into the outbox in the same
/// transaction that marks its command done, and the outbox is rung.
public struct CommandInbox: Sendable {
    let store: BotStore
    let wakeup: Wakeup
    let outbox: Outbox
    /// Decides whose message bodies are kept; nil keeps every body (cut to `maximumCommandBytes`).
    let gate: IntakeGate?

    public init(store: BotStore, outbox: Outbox, clock: any BotClock, gate: IntakeGate? = nil) {
        self.store = store
        self.outbox = outbox
        self.wakeup = Wakeup(clock: clock)
        self.gate = gate
    }

    // MARK: The sync service

    /// Records one sync response's commands and its `next_batch` in one transaction, and rings the
    /// worker when a command was new. Returns how many were new. The body of a command whose sender may
    /// not run commands is not stored (`IntakeGate`); the worker still decides afresh.
    @discardableResult
    func record(nextBatch: String, commands: [StoredCommand], from response: SyncResponse? = nil) async throws -> Int {
        if let response { gate?.noteState(response) }
        var stored: [StoredCommand] = []
        for command in commands {
            let keep = await gate?.mayCommand(command.sender, in: command.roomID) ?? true
            stored.append(command.forStorage(keepingBody: keep))
        }
        let added = try await store.recordSync(nextBatch: nextBatch, commands: stored)
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
        _ command: StoredCommand, reply: OutgoingMessage?, followUp: (json: String, due: Timestamp)?, now: Timestamp,
        extras: CompletionExtras = CompletionExtras()
    )
        async throws
    {
        let record = followUp.map { (json: $0.json, due: $0.due.milliseconds) }
        try await store.complete(command, reply: reply, followUp: record, now: now.milliseconds, extras: extras)
        CrashPoint.afterComplete.reached()
        if reply != nil || !extras.messages.isEmpty { outbox.notify() }
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

/// Who may run commands, as far as the intake needs to know it: whether to keep a message's body.
/// Operators always; others by their power level in the room (and room version 12's creators), read
/// from the homeserver once per room and read again after the sync shows `m.room.power_levels` or
/// `m.room.create` changing. When the state cannot be read the body is kept: the command worker, which
/// reads the power levels afresh for every command, still refuses it.
public final class IntakeGate: Sendable {
    let authorizer: Authorizer
    let matrix: MatrixClient
    private let rooms = Locked<[RoomID: RoomAuthority]>([:])

    public init(authorizer: Authorizer, matrix: MatrixClient) {
        self.authorizer = authorizer
        self.matrix = matrix
    }

    /// Forgets the rooms whose authority the sync shows changing.
    func noteState(_ response: SyncResponse) {
        let changed = response.rooms.join.filter { _, room in
            (room.state + room.timeline).contains {
                $0.isState && ($0.type == "m.room.power_levels" || $0.type == "m.room.create")
            }
        }
        guard !changed.isEmpty else { return }
        rooms.withLock { known in
            for roomID in changed.keys { known[roomID] = nil }
        }
    }

    /// Whether `sender` may run commands in `room` now; true when that cannot be told.
    func mayCommand(_ sender: UserID, in room: RoomID) async -> Bool {
        if authorizer.operators.contains(sender) { return true }
        if let known = rooms.withLock({ $0[room] }) {
            return authorizer.decide(sender: sender, in: known).isAllowed
        }
        do {
            let creation = RoomCreation(createEvent: try await matrix.stateEvent(room, type: "m.room.create"))
            let levels = try await matrix.state(room, type: "m.room.power_levels")?.object.map(
                PowerLevels.init(content:))
            let authority = creation.authority(powerLevels: levels)
            rooms.withLock { $0[room] = authority }
            return authorizer.decide(sender: sender, in: authority).isAllowed
        } catch {
            return true
        }
    }
}
