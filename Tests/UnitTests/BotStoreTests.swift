import FedBotCore
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import Testing

/// The durable state that exactly-once replies and notices rest on (SQLite in a temporary file).
@Suite struct BotStoreTests {
    func store() throws -> (BotStore, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString).sqlite")
            .path
        return (try BotStore(path: path), path)
    }

    func command(_ id: String, at ts: Int64 = 1000) -> StoredCommand {
        StoredCommand(
            eventID: eventID(id), roomID: roomID("!r:example.org"), sender: userID("@a:example.org"), body: "!fed list",
            threadRoot: nil,
            originTs: ts, receivedAt: ts)
    }

    @Test("a redelivered command is recorded once; the sync position moves with it")
    func recordOnce() async throws {
        let (store, path) = try store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try await store.recordSync(nextBatch: "s1", commands: [command("$a"), command("$b")]) == 2)
        #expect(try await store.recordSync(nextBatch: "s2", commands: [command("$b"), command("$c")]) == 1)
        #expect(try await store.pendingCommands().map(\.eventID.rawValue) == ["$a", "$b", "$c"])
        #expect(try await store.value(BotStore.Key.nextBatch) == "s2")
    }

    @Test("completing a command queues its reply once, even when completed twice (crash and redo)")
    func completeOnce() async throws {
        let (store, path) = try store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await store.recordSync(nextBatch: "s1", commands: [command("$a")])
        let reply = OutgoingMessage(
            transactionID: "fedbot.reply.$a", roomID: roomID("!r:example.org"),
            content: .object(["body": .string("hi")]))
        try await store.complete(command("$a"), reply: reply, followUp: nil, now: 1)
        try await store.complete(command("$a"), reply: reply, followUp: nil, now: 2)
        #expect(try await store.pendingCommands().isEmpty)
        #expect(try await store.unsentMessages().map(\.message.transactionID) == ["fedbot.reply.$a"])
        let entry = try #require(try await store.unsentMessages().first)
        try await store.markSent(entry.id, eventID: "$reply", now: 3)
        #expect(try await store.unsentMessages().isEmpty)
        #expect(try await store.transactionState("fedbot.reply.$a") == .sent(eventID: "$reply"))
        #expect(try await store.transactionState("nope") == .missing)
    }

    @Test("state survives reopening the file")
    func reopen() async throws {
        let (store, path) = try store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await store.recordSync(nextBatch: "s9", commands: [command("$x")])
        _ = try await store.enqueue(
            OutgoingMessage(transactionID: "t1", roomID: roomID("!r:example.org"), content: .null), now: 1)
        let again = try BotStore(path: path)
        #expect(try await again.value(BotStore.Key.nextBatch) == "s9")
        #expect(try await again.pendingCommands().map(\.eventID.rawValue) == ["$x"])
        #expect(try await again.outboxCount() == (total: 1, unsent: 1))
    }

    @Test("the state file and its -wal and -shm are readable by their owner only (0600), whatever the umask")
    func privateFileModes() async throws {
        let (store, path) = try store()
        defer {
            for file in [path, path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
        }
        try await store.recordSync(nextBatch: "s1", commands: [command("$a")])
        for file in [path, path + "-wal", path + "-shm"] {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600, "\(file)")
        }
        // A file an earlier version made with the umask's mode is narrowed when opened.
        #expect(chmod(path, 0o644) == 0)
        _ = try BotStore(path: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
    }

    @Test("follow-ups come due in order and are cleared once queued")
    func followUps() async throws {
        let (store, path) = try store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await store.recordSync(nextBatch: "s1", commands: [command("$a"), command("$b")])
        try await store.complete(command("$a"), reply: nil, followUp: (json: "{}", due: 500), now: 1)
        try await store.complete(command("$b"), reply: nil, followUp: (json: "{}", due: 100), now: 1)
        #expect(try await store.nextFollowUpDue() == 100)
        #expect(try await store.dueFollowUps(now: 50).isEmpty)
        #expect(try await store.dueFollowUps(now: 600).map(\.command.eventID.rawValue) == ["$b", "$a"])
        try await store.completeFollowUp(of: command("$b"), message: nil, now: 600)
        #expect(try await store.dueFollowUps(now: 600).map(\.command.eventID.rawValue) == ["$a"])
    }

    @Test("watcher state and its notices commit together; mutes expire")
    func watcher() async throws {
        let (store, path) = try store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try await store.watcherState() == WatcherState())
        var state = WatcherState(baselineTaken: true)
        state.incidents["a.example"] = Incident(
            server: "a.example", since: Timestamp(milliseconds: 1), detectedAt: Timestamp(milliseconds: 2))
        try await store.commitWatcher(
            state, messages: [OutgoingMessage(transactionID: "n1", roomID: roomID("!r:example.org"), content: .null)],
            now: 5)
        #expect(try await store.watcherState() == state)
        #expect(try await store.outboxCount().unsent == 1)
        try await store.mute("a.example", until: 100, by: "@a:example.org", now: 10)
        #expect(try await store.activeMutes(now: 99) == ["a.example": Timestamp(milliseconds: 100)])
        #expect(try await store.activeMutes(now: 100).isEmpty)
        #expect(try await store.unmute("a.example", now: 101) == false)
    }
}
