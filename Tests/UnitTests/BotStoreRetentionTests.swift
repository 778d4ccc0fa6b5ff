import FedBotCore
import FedBotModels
import Foundation
import MatrixClient
import Testing

@testable import FedBotRuntime

/// What the state file forgets, what it keeps for deduplication and references, and that it shrinks.
@Suite struct BotStoreRetentionTests {
    static let day: Int64 = 24 * 3600 * 1000
    static let retention = Retention(window: .seconds(7 * 24 * 3600), maxCommandAge: .seconds(600))
    let room = roomID("!r:example.org")

    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("retention-\(UUID().uuidString).sqlite").path
    }

    func remove(_ path: String) {
        for file in [path, path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
    }

    func command(_ id: String, at ts: Int64, body: String = "!fed list") -> StoredCommand {
        StoredCommand(
            eventID: eventID(id), roomID: room, sender: userID("@a:example.org"), body: body, threadRoot: nil,
            originTs: ts, receivedAt: ts)
    }

    func message(_ transactionID: String, content: JSONValue = .object(["body": .string("hi")])) -> OutgoingMessage {
        OutgoingMessage(transactionID: transactionID, roomID: room, content: content)
    }

    /// Records and answers `id` at `ts`, and sends its reply then.
    func answer(_ store: BotStore, _ id: String, at ts: Int64, body: String = "!fed list") async throws {
        let command = command(id, at: ts, body: body)
        try await store.recordSync(nextBatch: "s", commands: [command])
        try await store.complete(command, reply: message("fedbot.reply.\(id)"), followUp: nil, now: ts)
        let entry = try #require(try await store.unsentMessages().first { $0.transactionID == "fedbot.reply.\(id)" })
        try await store.markSent(entry.id, eventID: "$sent-\(id)", now: ts)
    }

    @Test("answered commands and sent or failed messages older than the window go; the rest stays")
    func prunesOldDoneRows() async throws {
        let path = temporaryPath()
        defer { remove(path) }
        let store = try BotStore(path: path)
        let now = 100 * Self.day
        try await answer(store, "$old", at: now - 8 * Self.day)
        try await answer(store, "$young", at: now - 6 * Self.day)
        // Old but not finished: pending, and with a follow-up due.
        try await store.recordSync(nextBatch: "s", commands: [command("$pending", at: now - 9 * Self.day)])
        try await store.recordSync(nextBatch: "s", commands: [command("$followup", at: now - 9 * Self.day)])
        try await store.complete(
            command("$followup", at: now - 9 * Self.day), reply: nil, followUp: (json: "{}", due: now + 1),
            now: now - 9 * Self.day)
        // Old messages: one failed, one never sent.
        try await store.enqueue(message("failed"), now: now - 8 * Self.day)
        let failed = try #require(try await store.unsentMessages().first { $0.transactionID == "failed" })
        try await store.markFailed(failed.id, reason: "403")
        try await store.enqueue(message("waiting"), now: now - 8 * Self.day)

        let pruned = try await store.prune(now: now, retention: Self.retention)

        #expect(pruned == PruneResult(commands: 1, messages: 2))
        #expect(try await store.transactionState("fedbot.reply.$old") == .missing)
        #expect(try await store.transactionState("failed") == .missing)
        #expect(try await store.transactionState("fedbot.reply.$young") == .sent(eventID: "$sent-$young"))
        #expect(try await store.transactionState("waiting") == .unsent)
        #expect(try await store.pendingCommands().map(\.eventID.rawValue) == ["$pending"])
        #expect(try await store.nextFollowUpDue() == now + 1)
        // The young command is still known: redelivered, it is not recorded again.
        #expect(try await store.recordSync(nextBatch: "s", commands: [command("$young", at: now - 6 * Self.day)]) == 0)
    }

    @Test("a command is known as long as the intake could still take its event (origin_server_ts in the future)")
    func keepsCommandsTheIntakeWouldStillTake() async throws {
        let path = temporaryPath()
        defer { remove(path) }
        let store = try BotStore(path: path)
        let now = 100 * Self.day
        // Received long ago, but the sender's server stamped it 30 days ahead: `now - ts <= max_command_age`
        // holds, so a redelivery would be taken; only its event ID makes it a duplicate.
        var future = command("$future", at: now - 8 * Self.day)
        future.originTs = now + 30 * Self.day
        try await store.recordSync(nextBatch: "s", commands: [future])
        try await store.complete(future, reply: nil, followUp: nil, now: now - 8 * Self.day)
        #expect(try await store.prune(now: now, retention: Self.retention).commands == 0)
        #expect(try await store.recordSync(nextBatch: "s", commands: [future]) == 0)
        // A window shorter than max_command_age is stretched to it (plus an hour).
        let short = Retention(window: .seconds(60), maxCommandAge: .seconds(7200))
        try await answer(store, "$recent", at: now - 2 * 3600 * 1000)
        #expect(try await store.prune(now: now, retention: short).commands == 0)
        #expect(try await store.prune(now: now + 3600 * 1000 + 1, retention: short).commands == 1)
    }

    @Test("a notice of an open incident, and any message a waiting one refers to, is kept")
    func keepsReferencedNotices() async throws {
        let path = temporaryPath()
        defer { remove(path) }
        let store = try BotStore(path: path)
        let now = 100 * Self.day
        let old = now - 30 * Self.day
        try await store.setValue("ab12.", for: BotStore.Key.noticeScope)
        let open = NoticeOutbox.postTransaction("failure-1", room: room, scope: "ab12.")
        let resolved = NoticeOutbox.postTransaction("failure-2", room: room, scope: "ab12.")
        let edited = NoticeOutbox.postTransaction("failure-3", room: room, scope: "ab12.")
        for transaction in [open, resolved, edited] {
            try await store.enqueue(message(transaction), now: old)
            let entry = try #require(try await store.unsentMessages().first { $0.transactionID == transaction })
            try await store.markSent(entry.id, eventID: "$\(transaction)", now: old)
        }
        // failure-1 is still open; failure-3 was resolved, but its edit waits to be sent.
        let incident = Incident(
            server: "a.example", since: Timestamp(milliseconds: old), detectedAt: Timestamp(milliseconds: old),
            noticeKey: "failure-1")
        let state = WatcherState(baselineTaken: true, incidents: ["a.example": incident])
        let edit = NoticeOutbox.messages(
            for: .edit(key: "failure-3", revision: "1", reply: Reply(plain: "resolved", html: "resolved")),
            rooms: [room],
            scope: "ab12.")
        try await store.commitWatcher(state, messages: edit, now: old)

        #expect(try await store.prune(now: now, retention: Self.retention).messages == 1)
        #expect(try await store.transactionState(resolved) == .missing)
        #expect(try await store.transactionState(open) == .sent(eventID: "$\(open)"))
        #expect(try await store.transactionState(edited) == .sent(eventID: "$\(edited)"))
    }

    @Test("after pruning, the file shrinks, also one made before incremental vacuum")
    func fileShrinks() async throws {
        let path = temporaryPath()
        defer { remove(path) }
        let now = 100 * Self.day
        let body = "!fed list " + String(repeating: "x", count: 400)
        do {
            let old = try BotStore(path: path, incrementalVacuum: false)
            #expect(try await old.autoVacuumMode() == 0)
            for index in 0..<500 { try await answer(old, "$c\(index)", at: now - 8 * Self.day, body: body) }
        }
        let store = try BotStore(path: path)
        #expect(try await store.autoVacuumMode() == 2)
        try await store.shrink()
        let before = store.fileSize()
        #expect(try await store.prune(now: now, retention: Self.retention) == PruneResult(commands: 500, messages: 500))
        let after = store.fileSize()
        #expect(after * 4 < before, "\(before) bytes before, \(after) after")
    }
}
