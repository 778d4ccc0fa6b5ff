import FedBotCore
import FedBotModels
import Foundation
import MatrixClient
import Testing

@testable import FedBotRuntime

/// The running bot keeps its state file small and private: no bodies of commands from people who may not
/// command it, long commands cut, old rows pruned at start-up and hourly.
@Suite struct RetentionServiceTests {
    static let day: Int64 = 86_400_000

    /// `sync-command.json` with another body and sender.
    func syncCommand(body: String, sender: String = "@alice:127.0.0.1:12754") throws -> HTTPResponse {
        let text = String(decoding: try JSONEncoder().encode(try Fixture("sync-command").body), as: UTF8.self)
            .replacing("!fed reset 127.0.0.1:22656", with: body)
            .replacing("@alice:127.0.0.1:12754", with: sender)
        return HTTPResponse(status: 200, headers: [], body: Data(text.utf8))
    }

    /// Whether `text` is anywhere in the state file or its write-ahead log.
    func stateFile(of test: TestBot, contains text: String) throws -> Bool {
        try [test.config.storage.path, test.config.storage.path + "-wal"].contains { file in
            guard FileManager.default.fileExists(atPath: file) else { return false }
            return try Data(contentsOf: URL(fileURLWithPath: file)).range(of: Data(text.utf8)) != nil
        }
    }

    /// A bot with no operators, whose room's `m.room.create` and power levels are the recorded lab's.
    static func botWithoutOperators() throws -> TestBot {
        let test = try TestBot(operators: [])
        try test.scriptStartUp()
        test.homeserver.on(.get, "/state/m.room.create", repeating: try Fixture.response("state-create"))
        test.homeserver.on(.get, "/state/m.room.power_levels", repeating: try Fixture.response("state-power-levels"))
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        return test
    }

    @Test("the body of a command from someone who may not command the bot never reaches the state file")
    func refusedBodyNotStored() async throws {
        let test = try Self.botWithoutOperators()
        defer { test.cleanUp() }
        let bot = try await test.startReady()
        test.homeserver.on(
            .get, "/sync", try syncCommand(body: "!fed list secret-d0c4f1", sender: "@mallory:127.0.0.1:12754"))
        try await eventually("the refusal is sent") {
            test.sentTransactions == ["fedbot.reply.\(Fixture.Lab.commandEvent)"]
        }
        #expect(await bot.stop() == nil)
        let refusal = test.homeserver.requests(.put, "/send/").first?.json?["body"]?.string ?? ""
        #expect(refusal.contains("not allowed") || refusal.contains("power level"), "\(refusal)")
        #expect(try !stateFile(of: test, contains: "secret-d0c4f1"))
    }

    /// A sync with `events` in the admin room's timeline.
    func sync(_ batch: String, _ events: String) -> HTTPResponse {
        let json = """
            {"next_batch": "\(batch)", "rooms": {"join": {"\(Fixture.Lab.adminRoom)": {
            "timeline": {"events": [\(events)], "limited": false}, "state": {"events": []}}}}}
            """
        return HTTPResponse(status: 200, headers: [], body: Data(json.utf8))
    }

    func message(_ id: String, _ body: String) -> String {
        """
        {"type": "m.room.message", "event_id": "\(id)", "sender": "@mallory:127.0.0.1:12754",
         "origin_server_ts": 1796430042746, "content": {"msgtype": "m.text", "body": "\(body)"}}
        """
    }

    @Test("after the sync shows someone promoted, their next command is kept and answered")
    func promotionSeenBySync() async throws {
        let test = try Self.botWithoutOperators()
        defer { test.cleanUp() }
        let bot = try await test.startReady()
        test.homeserver.on(.get, "/sync", sync("s30_1", message("$m1", "!fed help")))
        try await eventually("the refusal is sent") { test.sentTransactions == ["fedbot.reply.$m1"] }

        let promoted = #"{"users": {"@mallory:127.0.0.1:12754": 50}, "users_default": 0}"#
        test.homeserver.on(
            .get, "/state/m.room.power_levels",
            repeating: HTTPResponse(status: 200, headers: [], body: Data(promoted.utf8)))
        let change = """
            {"type": "m.room.power_levels", "state_key": "", "event_id": "$pl", "sender": "@alice:127.0.0.1:12754",
             "origin_server_ts": 1796430042700, "content": \(promoted)}
            """
        test.homeserver.on(.get, "/sync", sync("s31_1", change + ", " + message("$m2", "!fed help")))
        try await eventually("the command is answered") { test.sentTransactions.count == 2 }
        #expect(await bot.stop() == nil)
        #expect(test.sentTransactions == ["fedbot.reply.$m1", "fedbot.reply.$m2"])
        let help = test.homeserver.requests(.put, "/send/").last?.json?["body"]?.string ?? ""
        #expect(help.contains("!fed list"), "\(help)")
    }

    @Test("a command over 4 KiB is stored cut and answered with the one-line usage error")
    func longCommandCut() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        let bot = try await test.startReady()
        test.homeserver.on(
            .get, "/sync", try syncCommand(body: "!fed list " + String(repeating: "x", count: 6000) + " tail-9e2b"))
        try await eventually("the reply is sent") { test.sentTransactions.count == 1 }
        #expect(await bot.stop() == nil)
        let reply = test.homeserver.requests(.put, "/send/").first?.json?["body"]?.string ?? ""
        #expect(reply.contains("That command is too long (over 4 KiB)."), "\(reply)")
        #expect(try !stateFile(of: test, contains: "tail-9e2b"))
    }

    /// The state file's size with its write-ahead log.
    func fileSize(of test: TestBot) -> Int {
        [test.config.storage.path, test.config.storage.path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int ?? 0)
        }
    }

    /// Records `count` answered commands at `ts` with their replies queued.
    func history(_ store: BotStore, _ prefix: String, count: Int, at ts: Int64) async throws {
        for index in 0..<count {
            let command = StoredCommand(
                eventID: eventID("$\(prefix)\(index)"), roomID: Fixture.Lab.adminRoom, sender: Fixture.Lab.alice,
                body: "!fed list " + String(repeating: "x", count: 300), threadRoot: nil, originTs: ts, receivedAt: ts)
            try await store.recordSync(nextBatch: "s22_1_0_1_1_1_1_7_0_1_1_1_1_1", commands: [command])
            let reply = OutgoingMessage(
                transactionID: "fedbot.reply.\(command.eventID)", roomID: Fixture.Lab.adminRoom,
                content: .object(["msgtype": .string("m.notice"), "body": .string(String(repeating: "y", count: 300))]))
            try await store.complete(command, reply: reply, followUp: nil, now: ts)
        }
    }

    @Test("the running bot prunes at start-up and then hourly: old commands and replies go, the file shrinks")
    func prunesWhileRunning() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        let store = try test.openStore()
        let now = test.clock.now.milliseconds
        try await history(store, "old", count: 300, at: now - 30 * Self.day)
        for entry in try await store.unsentMessages(limit: 1000) {
            try await store.markSent(entry.id, eventID: "$sent", now: now - 30 * Self.day)
        }
        let before = fileSize(of: test)
        let bot = try await test.startReady()
        try await eventually("start-up pruned the old rows") { try await store.outboxCount().total == 0 }
        try await eventually("the file shrank to less than half of \(before) bytes") {
            fileSize(of: test) < before / 2
        }

        try await history(store, "new", count: 20, at: now)
        for entry in try await store.unsentMessages(limit: 1000) {
            try await store.markSent(entry.id, eventID: "$sent", now: now)
        }
        let hourly = { test.clock.pendingSleeps.contains(Retention.interval) }
        try await eventually("the maintenance waits for the next hour") { hourly() }
        test.clock.advance(by: Retention.interval)
        try await eventually("the maintenance pruned and waits again") { hourly() }
        #expect(try await store.outboxCount().total == 20, "young rows stay")
        test.clock.advance(by: .seconds(8 * 86400))
        // Another service sleeps an hour too (the room joiner's wait), so the maintenance may have been
        // between two sleeps when the clock jumped: the next hour's prune must remove them then.
        try await eventually("an hourly prune removed them") {
            if try await store.outboxCount().total == 0 { return true }
            if hourly() { test.clock.advance(by: Retention.interval) }
            return false
        }
        #expect(await bot.stop() == nil)
    }

    @Test("storage.retention sets the window: with 2d, 3-day-old rows go at start-up and 1-day-old rows stay")
    func configuredWindow() async throws {
        var test = try TestBot()
        test.config.storage.retention = .seconds(2 * 86_400)
        defer { test.cleanUp() }
        try test.scriptStartUp()
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        let store = try test.openStore()
        let now = test.clock.now.milliseconds
        try await history(store, "old", count: 10, at: now - 3 * Self.day)
        try await history(store, "young", count: 5, at: now - 1 * Self.day)
        for entry in try await store.unsentMessages(limit: 1000) {
            let young = entry.transactionID.contains("young")
            try await store.markSent(entry.id, eventID: "$sent", now: now - (young ? 1 : 3) * Self.day)
        }
        let bot = try await test.startReady()
        // With the default window (7d) nothing here is old enough to go.
        try await eventually("start-up pruned the 3-day-old rows") { try await store.outboxCount().total == 5 }
        #expect(await bot.stop() == nil)
    }
}
