import FedBotCore
import FedBotModels
import Foundation
import MatrixClient
import Testing

@testable import FedBotRuntime

/// Reactions as buttons through the whole bot, over a scripted homeserver and a manual clock: a 🔁 on a
/// notice resets and answers in the notice's thread, a reaction without rights sends nothing to Synapse,
/// only the requester's ✅ confirms a bulk reset, and a recorded reaction is handled once across a restart.
@Suite struct ReactionServiceTests {
    static let notice = "$notice-event"
    static let bob = "@bob:127.0.0.1:12754"

    /// The state a notice about `servers` left: the watcher's incidents and notice, and the notice's
    /// message sent as `notice`.
    /// A bot whose watcher runs (its polls fail here: the admin API's list is not scripted), so that the
    /// actions that need it work.
    static func makeBot(operators: [UserID] = [Fixture.Lab.alice]) throws -> TestBot {
        var test = try TestBot(operators: operators)
        test.config.notices.rooms = [.id(Fixture.Lab.adminRoom)]
        test.config.notices.interval = .seconds(3600)
        return test
    }

    static func prepareNotice(_ test: TestBot, servers: [String]) async throws {
        let store = try test.openStore()
        let now = test.clock.now
        try await store.setValue(String(now.milliseconds - 60_000), for: BotStore.Key.firstSyncAt)
        let key = servers.count == 1 ? "failure-1" : "group-1"
        var state = WatcherState(baselineTaken: true, lastPoll: now, nextNoticeNumber: 2)
        var record = NoticeRecord(
            key: key, kind: servers.count == 1 ? .failure : .group, postedAt: now, servers: [:])
        for server in servers {
            let since = now - .seconds(600)
            state.incidents[server] = Incident(
                server: server, since: since, detectedAt: now, noticeKey: key, lastNoticeAt: now)
            record.servers[server] = since
        }
        state.notices[key] = record
        try await store.commitWatcher(state, messages: [], now: now.milliseconds)
        let posted = OutgoingMessage(
            transactionID: NoticeOutbox.postTransaction(key, room: Fixture.Lab.adminRoom),
            roomID: Fixture.Lab.adminRoom, content: .object(["msgtype": .string("m.notice")]))
        try await store.enqueue(posted, now: now.milliseconds)
        let entry = try #require(try await store.unsentMessages().first)
        try await store.markSent(entry.id, eventID: notice, now: now.milliseconds)
    }

    /// A `/sync` answer with reactions (key, sender, event ID, target) in the admin room.
    static func syncWithReactions(
        _ reactions: [(key: String, sender: String, id: String, target: String)], at ts: Int64, batch: String
    )
        -> HTTPResponse
    {
        let events = reactions.map { reaction in
            """
            {"type":"m.reaction","event_id":"\(reaction.id)","sender":"\(reaction.sender)","origin_server_ts":\(ts),
             "content":{"m.relates_to":{"rel_type":"m.annotation","event_id":"\(reaction.target)","key":"\(reaction.key)"}}}
            """
        }.joined(separator: ",")
        return ScriptedHomeserver.reply(
            200,
            #"{"next_batch":"\#(batch)","rooms":{"join":{"\#(Fixture.Lab.adminRoom)":{"timeline":{"events":[\#(events)],"limited":false}}}}}"#
        )
    }

    func sent(_ test: TestBot, _ transaction: String) -> JSONValue? {
        test.homeserver.requests(.put, "/send/").last { $0.path.hasSuffix("/" + transaction) }?.json
    }

    @Test("🔁 by an operator on a failure notice resets it; the answer and the follow-up go in the notice's thread")
    func resetButton() async throws {
        let test = try Self.makeBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        try await Self.prepareNotice(test, servers: [Fixture.Lab.remote])
        let destination = "/federation/destinations/\(Fixture.Lab.remote)"
        test.homeserver.on(
            .get, destination, try Fixture.response("destination-failing"),
            repeating: try Fixture.response("destination-after-reset"))
        test.homeserver.on(.post, "/reset_connection", repeating: try Fixture.response("reset-connection-ok"))
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        let bot = try await test.startReady()
        test.homeserver.on(
            .get, "/sync",
            Self.syncWithReactions(
                [("🔁", Fixture.Lab.alice.rawValue, "$react-1", Self.notice)], at: test.clock.now.milliseconds + 1000,
                batch: "s30"))
        try await eventually("the reset is answered") { test.sentTransactions == ["fedbot.reply.$react-1"] }
        #expect(test.homeserver.requests(.post, "/reset_connection").count == 1)
        let answer = try #require(sent(test, "fedbot.reply.$react-1"))
        #expect(answer["m.relates_to"]?["rel_type"] == .string("m.thread"))
        #expect(answer["m.relates_to"]?["event_id"] == .string(Self.notice))
        #expect(answer["body"]?.string?.contains("reset by @alice:127.0.0.1:12754") == true)
        try await eventually("the worker waits for the follow-up") { test.clock.pendingSleeps.contains(.seconds(5)) }
        test.clock.advance(by: .seconds(5))
        try await eventually("the follow-up is sent") { test.sentTransactions.count == 2 }
        let followUp = try #require(sent(test, "fedbot.followup.$react-1"))
        #expect(followUp["m.relates_to"]?["event_id"] == .string(Self.notice))
        #expect(followUp["m.relates_to"]?["m.in_reply_to"]?["event_id"] == .string(Self.notice))
        #expect(await bot.stop() == nil)
    }

    @Test("a reaction by a user without power sends nothing to Synapse's admin API, and one refusal per 10 minutes")
    func refused() async throws {
        let test = try Self.makeBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        try await Self.prepareNotice(test, servers: [Fixture.Lab.remote])
        test.homeserver.on(.get, "/state/m.room.create", repeating: try Fixture.response("state-create"))
        test.homeserver.on(.get, "/state/m.room.power_levels", repeating: try Fixture.response("state-power-levels"))
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        let bot = try await test.startReady()
        // After the first sync (which the bot takes at start), as the lab's fixtures are.
        let ts = test.clock.now.milliseconds + 1000
        test.homeserver.on(
            .get, "/sync",
            Self.syncWithReactions(
                [("🔁", Self.bob, "$r-1", Self.notice), ("🔇", Self.bob, "$r-2", Self.notice)], at: ts, batch: "s30"))
        try await eventually("the first reaction is refused") { test.sentTransactions == ["fedbot.reply.$r-1"] }
        let store = try test.openStore()
        try await eventually("both are handled") { try await store.pendingCommands().isEmpty }
        #expect(test.sentTransactions == ["fedbot.reply.$r-1"])
        // Only the watcher's own polls reach the admin API: nothing was reset or changed.
        #expect(test.homeserver.requests.allSatisfy { !$0.path.contains("/_synapse/admin") || $0.method == .get })
        #expect(test.homeserver.requests(.post, "/reset_connection").isEmpty)
        let refusal = try #require(sent(test, "fedbot.reply.$r-1"))
        #expect(refusal["m.relates_to"]?["event_id"] == .string(Self.notice))
        #expect(try await store.silences() == IncidentSilences())
        #expect(await bot.stop() == nil)
    }

    @Test(
        "🔁 on a group of 7 asks first; bob's ✅ does not confirm, alice's does; resets are paced; ✅ again does nothing")
    func bulkResetConfirmation() async throws {
        let test = try Self.makeBot(operators: [Fixture.Lab.alice, userID(Self.bob)])
        defer { test.cleanUp() }
        try test.scriptStartUp()
        let servers = (1...7).map { "s\($0).example" }
        try await Self.prepareNotice(test, servers: servers)
        test.homeserver.on(.post, "/reset_connection", repeating: try Fixture.response("reset-connection-ok"))
        test.homeserver.on(
            .put, "/send/", ScriptedHomeserver.reply(200, #"{"event_id":"$prompt"}"#),
            repeating: try Fixture.response("send"))
        let bot = try await test.startReady()
        // After the first sync (which the bot takes at start), as the lab's fixtures are.
        let ts = test.clock.now.milliseconds + 1000
        test.homeserver.on(
            .get, "/sync",
            Self.syncWithReactions([("🔁", Fixture.Lab.alice.rawValue, "$r-1", Self.notice)], at: ts, batch: "s30"))
        try await eventually("the prompt and its ✅ go out") { test.sentTransactions.count == 2 }
        let prompt = try #require(sent(test, "fedbot.reply.$r-1"))
        #expect(
            prompt["body"]?.string
                == "Reset 7 servers? React ✅ within 2 minutes (only @alice:127.0.0.1:12754's ✅ counts).")
        #expect(test.sentTransactions[1] == "fedbot.confirm.fedbot.reply.$r-1")
        #expect(test.homeserver.requests(.post, "/reset_connection").isEmpty)

        test.homeserver.on(
            .get, "/sync",
            Self.syncWithReactions(
                [("✅", Self.bob, "$c-1", "$prompt"), ("✅", Fixture.Lab.alice.rawValue, "$c-2", "$prompt")], at: ts,
                batch: "s31"))
        try await eventually("the pacing waits between resets") { test.clock.pendingSleeps.contains(BulkReset.pause) }
        for _ in 0..<6 {
            try await eventually("a pause") { test.clock.pendingSleeps.contains(BulkReset.pause) }
            test.clock.advance(by: BulkReset.pause)
        }
        try await eventually("the summary goes out") { test.sentTransactions.count == 3 }
        #expect(test.homeserver.requests(.post, "/reset_connection").count == 7)
        #expect(test.sentTransactions[2] == "fedbot.reply.$c-2")
        let summary = try #require(sent(test, "fedbot.reply.$c-2"))
        #expect(summary["body"]?.string?.hasPrefix("🔁 Reset 7 servers by @alice:127.0.0.1:12754: 7 reset.") == true)
        #expect(summary["m.relates_to"]?["event_id"] == .string(Self.notice))
        // Each reset is recorded in its server's incident (no re-check after a bulk reset: no outcome).
        let resets = try await test.openStore().resets()
        #expect(resets.keys.sorted() == servers)
        #expect(resets.values.allSatisfy { $0.by == Fixture.Lab.alice.rawValue && $0.checked == nil })

        // The same ✅ again (after a redaction, say) changes nothing.
        test.homeserver.on(
            .get, "/sync",
            Self.syncWithReactions([("✅", Fixture.Lab.alice.rawValue, "$c-3", "$prompt")], at: ts, batch: "s32"))
        let store = try test.openStore()
        try await eventually("it is handled") {
            let position = try await store.value(BotStore.Key.nextBatch)
            let pending = try await store.pendingCommands()
            return position == "s32" && pending.isEmpty
        }
        #expect(test.homeserver.requests(.post, "/reset_connection").count == 7)
        #expect(test.sentTransactions.count == 3)
        #expect(await bot.stop() == nil)
    }

    @Test("a reaction recorded before a crash is handled once after the restart")
    func crashRecovery() async throws {
        let test = try Self.makeBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        try await Self.prepareNotice(test, servers: [Fixture.Lab.remote])
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        // What `after-record` leaves: the reaction stored with the sync position, not handled.
        let store = try test.openStore()
        let now = test.clock.now.milliseconds
        let reaction = StoredCommand(
            eventID: eventID("$react-crash"), roomID: Fixture.Lab.adminRoom, sender: Fixture.Lab.alice, body: "",
            threadRoot: eventID(Self.notice), originTs: now - 100, receivedAt: now - 50,
            reaction: StoredReaction(key: "👀", target: eventID(Self.notice)))
        try await store.recordSync(nextBatch: "s22_1_0_1_1_1_1_7_0_1_1_1_1_1", commands: [reaction])
        let first = try test.start()
        try await eventually("the acknowledgement is answered") {
            test.sentTransactions == ["fedbot.reply.$react-crash"]
        }
        #expect(await first.stop() == nil)
        let acknowledged = try await store.acknowledgements()
        #expect(acknowledged[Fixture.Lab.remote]?.by == Fixture.Lab.alice.rawValue)
        let answer = try #require(sent(test, "fedbot.reply.$react-crash"))
        #expect(answer["body"]?.string?.hasPrefix("👀 \(Fixture.Lab.remote) acknowledged by @alice") == true)

        let second = try test.start()
        try await eventually("the restarted bot syncs") { test.homeserver.requests(.get, "/sync").count >= 2 }
        try await Task.sleep(for: .milliseconds(20))
        #expect(await second.stop() == nil)
        #expect(test.sentTransactions == ["fedbot.reply.$react-crash"])
    }

    @Test("buttons on a notice whose incident is over are answered once, with when it recovered")
    func over() async throws {
        let test = try Self.makeBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        try await Self.prepareNotice(test, servers: [Fixture.Lab.remote])
        // The incident ended: the watcher dropped the notice and remembers when it closed.
        let store = try test.openStore()
        var state = try await store.watcherState()
        state.incidents = [:]
        state.notices = [:]
        state.closedNotices = ["failure-1": Timestamp(milliseconds: 1_796_430_000_000)]
        try await store.commitWatcher(state, messages: [], now: test.clock.now.milliseconds)
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        let bot = try await test.startReady()
        let ts = test.clock.now.milliseconds + 1000
        test.homeserver.on(
            .get, "/sync",
            Self.syncWithReactions(
                [
                    ("🔁", Fixture.Lab.alice.rawValue, "$r-1", Self.notice),
                    ("🔇", Fixture.Lab.alice.rawValue, "$r-2", Self.notice),
                ], at: ts, batch: "s30"))
        try await eventually("both are handled") {
            let position = try await store.value(BotStore.Key.nextBatch)
            let pending = try await store.pendingCommands()
            return position == "s30" && pending.isEmpty && test.sentTransactions.count == 1
        }
        try await Task.sleep(for: .milliseconds(50))
        let transaction = "fedbot.over.\(NoticeOutbox.postTransaction("failure-1", room: Fixture.Lab.adminRoom))"
        #expect(test.sentTransactions == [transaction])
        #expect(sent(test, transaction)?["body"] == .string("ℹ️ This incident is over (recovered 00:20 UTC)."))
        #expect(test.homeserver.requests(.post, "/reset_connection").isEmpty)
        #expect(await bot.stop() == nil)
    }
}
