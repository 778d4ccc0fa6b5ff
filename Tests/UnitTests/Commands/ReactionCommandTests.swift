import FedBotModels
import Testing

@testable import FedBotCore

/// `ack`, `mute … until-recovered`, `reset --failing [GLOB]` and the replies of the actions that buttons
/// run.
@Suite struct ReactionCommandTests {
    let parser = CommandParser()
    let context = RenderContext(prefix: "!fed", now: WatcherFixture.at(100))

    func server(_ name: String) -> ServerName {
        guard let server = ServerName(name) else { preconditionFailure(name) }
        return server
    }

    @Test("the commands behind the buttons parse to the actions the buttons make")
    func parsing() throws {
        #expect(try parser.parse(words: ["ack", "b.example"]) == .ack(server("b.example")))
        #expect(
            try parser.parse(words: ["mute", "b.example", "until-recovered"])
                == .muteUntilRecovered(server("b.example")))
        #expect(
            try parser.parse(words: ["mute", "b.example", "Until-Recovered"])
                == .muteUntilRecovered(server("b.example")))
        #expect(
            try parser.parse(words: ["mute", "b.example", "2h"]) == .mute(server("b.example"), duration: .seconds(7200))
        )
        #expect(try parser.parse(words: ["reset", "--failing"]) == .resetFailing(nil))
        #expect(
            try parser.parse(words: ["reset", "--failing", "*.example.org"]) == .resetFailing(Glob("*.example.org")))
        #expect(try parser.parse(words: ["reset", "b.example"]) == .reset(server("b.example")))
        #expect(throws: CommandError.self) { try parser.parse(words: ["reset", "--failing", "a<b"]) }
        #expect(throws: CommandError.self) { try parser.parse(words: ["reset", "--failing", "a", "b"]) }
        #expect(throws: CommandError.self) { try parser.parse(words: ["ack"]) }
        #expect(Action.ack(server("b.example")).spec.name == .ack)
        #expect(Action.resetFailing(Glob("*.org")).arguments == "--failing *.org")
        #expect(Action.muteUntilRecovered(server("b.example")).arguments == "b.example until-recovered")
    }

    @Test("the answers name who acted, as the thread shows them")
    func replies() {
        #expect(
            AckReply(server: server("b.example"), by: "@alice:example.org", wasOpen: true).render(context).plain
                == "👀 b.example acknowledged by @alice:example.org: no reminders about it until it recovers.")
        #expect(
            AckReply(server: server("b.example"), by: "@alice:example.org", wasOpen: false).render(context).plain
                == "ℹ️ b.example has no open incident: nothing to acknowledge.")
        #expect(
            MuteUntilRecoveredReply(server: server("b.example"), by: "@bob:example.org", wasOpen: true).render(context)
                .plain
                == "🔇 b.example muted by @bob:example.org until it recovers: no reminders; the recovery is still announced."
        )
        let reset = ResetReply(server: server("b.example"), outcome: .reset, before: nil, by: "@alice:example.org")
        #expect(
            reset.render(context).plain
                == "🔁 b.example reset by @alice:example.org: Synapse retries it now. I will check again in a few seconds."
        )
        #expect(
            BulkResetPromptReply(count: 12, requester: "@alice:example.org").render(context).plain
                == "Reset 12 servers? React ✅ within 2 minutes (only @alice:example.org's ✅ counts).")
    }

    @Test("a bulk reset's summary has one line per server and stays within one event for thousands")
    func bulkSummary() {
        let few = BulkResetReply(
            results: [
                (server("a.example"), .success(.reset)), (server("b.example"), .success(.notInBackoff)),
                (server("c.example"), .failure(.timeout)),
            ], by: "@alice:example.org")
        let plain = few.render(context).plain
        #expect(plain.hasPrefix("🔁 Reset 3 servers by @alice:example.org: 1 reset, 1 not in backoff, 1 failed."))
        #expect(plain.contains("a.example: Synapse retries it now"))
        #expect(plain.contains("c.example: Synapse did not answer in time"))
        let many = BulkResetReply(
            results: (0..<5000).map { (server("server-\($0).example"), .success(.reset)) }, by: nil)
        let reply = many.render(context)
        #expect(reply.size <= Reply.sizeBudget)
        #expect(reply.plain.contains("more; !fed list failing shows what is still failing."))
        #expect(
            BulkResetReply(results: [], by: nil, glob: Glob("*.org")).render(context).plain
                == "ℹ️ No failing server matches *.org: nothing to reset.")
    }

    @Test("incidents shows who acknowledged or muted what, and when")
    func incidentsAudit() {
        let reply = IncidentsReply(incidents: [
            IncidentSummary(
                server: "a.example", since: WatcherFixture.at(0), announced: true,
                mutedUntil: Timestamp(milliseconds: 253_402_300_799_000), mutedUntilRecovered: true,
                mutedBy: "@bob:example.org"),
            IncidentSummary(
                server: "b.example", since: WatcherFixture.at(1), announced: true,
                acknowledged: (by: "@alice:example.org", at: WatcherFixture.at(42))),
            IncidentSummary(
                server: "c.example", since: WatcherFixture.at(2), announced: true, mutedUntil: WatcherFixture.at(120),
                mutedBy: "@carol:example.org"),
        ]).render(context)
        #expect(reply.plain.contains("(muted until 11:00 UTC by @carol:example.org)"))
        #expect(
            reply.plain.contains(
                "a.example — failing for 1h 40m, since 09:00 UTC (muted until it recovers by @bob:example.org)"))
        #expect(reply.plain.contains("— 👀 acknowledged by @alice:example.org at 09:42 UTC"))
    }

    @Test("incidents shows the latest reset: who and when, and what the check after it found")
    func incidentsResets() {
        let reply = IncidentsReply(incidents: [
            IncidentSummary(
                server: "a.example", since: WatcherFixture.at(0), announced: true,
                reset: IncidentReset(
                    by: "@alice:example.org", at: WatcherFixture.at(42),
                    checked: (WatcherFixture.at(42) + .seconds(5), false))),
            IncidentSummary(
                server: "b.example", since: WatcherFixture.at(1), announced: true,
                acknowledged: (by: "@bob:example.org", at: WatcherFixture.at(50)),
                reset: IncidentReset(
                    by: "@alice:example.org", at: WatcherFixture.at(60),
                    checked: (WatcherFixture.at(60) + .seconds(5), true))),
            IncidentSummary(
                server: "c.example", since: WatcherFixture.at(2), announced: true,
                reset: IncidentReset(by: "@carol:example.org", at: WatcherFixture.at(70))),
        ]).render(context)
        #expect(
            reply.plain == """
                Open incidents: 3
                • 🔴 a.example — failing for 1h 40m, since 09:00 UTC — 🔁 reset by @alice:example.org at 09:42 UTC: still failing 5s later
                • 🔴 b.example — failing for 1h 39m, since 09:01 UTC — 👀 acknowledged by @bob:example.org at 09:50 UTC — 🔁 reset by @alice:example.org at 10:00 UTC: deliveries resumed
                • 🔴 c.example — failing for 1h 38m, since 09:02 UTC — 🔁 reset by @carol:example.org at 10:10 UTC
                """)
    }
}
