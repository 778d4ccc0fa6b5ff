import FedBotCore
import FedBotModels
import Foundation
import MatrixClient
import Testing

@testable import FedBotRuntime

/// Resets recorded in incidents, and a reaction's answer across the later crash points.
extension ReactionServiceTests {
    /// A `/sync` answer with one command by alice in the admin room.
    static func syncWithCommand(_ body: String, id: String, at now: Timestamp, batch: String) -> HTTPResponse {
        let command = """
            {"type":"m.room.message","event_id":"\(id)","sender":"\(Fixture.Lab.alice)","origin_server_ts":\(now.milliseconds + 1000),
             "content":{"msgtype":"m.text","body":"\(body)"}}
            """
        return ScriptedHomeserver.reply(
            200,
            #"{"next_batch":"\#(batch)","rooms":{"join":{"\#(Fixture.Lab.adminRoom)":{"timeline":{"events":[\#(command)],"limited":false}}}}}"#
        )
    }

    @Test("a typed `!fed reset` is recorded in the incident like a 🔁, with its outcome once re-checked")
    func typedResetRecorded() async throws {
        let test = try Self.makeBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        try await Self.prepareNotice(test, servers: [Fixture.Lab.remote])
        test.homeserver.on(
            .get, "/federation/destinations/\(Fixture.Lab.remote)", try Fixture.response("destination-failing"),
            repeating: try Fixture.response("destination-failing"))
        test.homeserver.on(.post, "/reset_connection", repeating: try Fixture.response("reset-connection-ok"))
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        let bot = try await test.startReady()
        let resetAt = test.clock.now
        test.homeserver.on(
            .get, "/sync",
            Self.syncWithCommand("!fed reset \(Fixture.Lab.remote)", id: "$typed", at: resetAt, batch: "s30"))
        try await eventually("the reset is answered") { test.sentTransactions == ["fedbot.reply.$typed"] }
        let store = try test.openStore()
        #expect(
            try await store.resets()[Fixture.Lab.remote] == IncidentReset(by: Fixture.Lab.alice.rawValue, at: resetAt))
        try await eventually("the worker waits for the follow-up") { test.clock.pendingSleeps.contains(.seconds(5)) }
        test.clock.advance(by: .seconds(5))
        try await eventually("the follow-up is sent") { test.sentTransactions.count == 2 }
        #expect(
            try await store.resets()[Fixture.Lab.remote]
                == IncidentReset(by: Fixture.Lab.alice.rawValue, at: resetAt, checked: (resetAt + .seconds(5), false)))
        #expect(await bot.stop() == nil)
    }

    @Test("a 🔁 is recorded in the incident: `incidents` shows who reset it, when, and what the check after it found")
    func resetRecordedInIncident() async throws {
        let test = try Self.makeBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        try await Self.prepareNotice(test, servers: [Fixture.Lab.remote])
        test.homeserver.on(
            .get, "/federation/destinations/\(Fixture.Lab.remote)", try Fixture.response("destination-failing"),
            repeating: try Fixture.response("destination-after-reset"))
        test.homeserver.on(.post, "/reset_connection", repeating: try Fixture.response("reset-connection-ok"))
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        let bot = try await test.startReady()
        let resetAt = test.clock.now
        test.homeserver.on(
            .get, "/sync",
            Self.syncWithReactions(
                [("🔁", Fixture.Lab.alice.rawValue, "$react-1", Self.notice)], at: resetAt.milliseconds + 1000,
                batch: "s30"))
        try await eventually("the reset is answered") { test.sentTransactions == ["fedbot.reply.$react-1"] }
        let store = try test.openStore()
        #expect(
            try await store.resets()[Fixture.Lab.remote]
                == IncidentReset(by: Fixture.Lab.alice.rawValue, at: resetAt))
        try await eventually("the worker waits for the follow-up") { test.clock.pendingSleeps.contains(.seconds(5)) }
        test.clock.advance(by: .seconds(5))
        try await eventually("the follow-up is sent") { test.sentTransactions.count == 2 }
        #expect(
            try await store.resets()[Fixture.Lab.remote]
                == IncidentReset(by: Fixture.Lab.alice.rawValue, at: resetAt, checked: (resetAt + .seconds(5), true)))

        test.homeserver.on(
            .get, "/sync", Self.syncWithCommand("!fed incidents", id: "$incidents", at: test.clock.now, batch: "s31"))
        try await eventually("incidents is answered") { test.sentTransactions.count == 3 }
        let listed = try #require(sent(test, "fedbot.reply.$incidents")?["body"]?.string)
        let time = TimeText.short(resetAt, now: test.clock.now)
        #expect(
            listed.contains(
                "— 🔁 reset by \(Fixture.Lab.alice) at \(time): deliveries resumed"), "\(listed)")
        #expect(await bot.stop() == nil)
    }

    @Test(
        "a reaction whose answer was queued or sent but not noted (after-complete, after-send) is acted on once and answered with the same transaction"
    )
    func crashAfterAnswer() async throws {
        let test = try Self.makeBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        try await Self.prepareNotice(test, servers: [Fixture.Lab.remote])
        test.homeserver.on(
            .get, "/federation/destinations/\(Fixture.Lab.remote)", try Fixture.response("destination-failing"),
            repeating: try Fixture.response("destination-after-reset"))
        test.homeserver.on(.post, "/reset_connection", repeating: try Fixture.response("reset-connection-ok"))
        // The homeserver gets the answer but the bot never learns it did (as if killed right after the
        // send); later sends wait.
        test.homeserver.on(.put, "/send/", ScriptedHomeserver.reply(502, #"{"errcode":"M_UNKNOWN"}"#))
        let first = try await test.startReady()
        test.homeserver.on(
            .get, "/sync",
            Self.syncWithReactions(
                [("🔁", Fixture.Lab.alice.rawValue, "$react-c", Self.notice)], at: test.clock.now.milliseconds + 1000,
                batch: "s30"))
        let store = try test.openStore()
        try await eventually("the reaction is done and its answer tried once") {
            try await store.pendingCommands().isEmpty && test.sentTransactions == ["fedbot.reply.$react-c"]
        }
        #expect(await first.stop() == nil)
        #expect(try await store.outboxCount().unsent == 1)

        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        let second = try test.start()
        try await eventually("the answer is sent again") { test.sentTransactions.count == 2 }
        try await Task.sleep(for: .milliseconds(50))
        #expect(await second.stop() == nil)
        #expect(test.sentTransactions == ["fedbot.reply.$react-c", "fedbot.reply.$react-c"])
        #expect(test.homeserver.requests(.post, "/reset_connection").count == 1)
        #expect(try await store.outboxCount().unsent == 0)
    }
}
