import FedBotModels
import Testing

@testable import FedBotCore

/// Reactions as buttons, without I/O: which reactions become work, what a button on a notice asks for,
/// and who may confirm a bulk reset.
@Suite struct ReactionRulesTests {
    typealias F = WatcherFixture
    let adminRoom = roomID("!admin:example.org")
    let noticeRoom = roomID("!alerts:example.org")
    let otherRoom = roomID("!random:example.org")
    let now: Int64 = 1_795_510_800_000

    var intake: CommandIntake {
        CommandIntake(
            botUser: "@fedbot:example.org", prefix: "!fed", adminRooms: [adminRoom], notBefore: now - 3_600_000,
            maxAge: .seconds(600), noticeRooms: [noticeRoom])
    }

    func reaction(
        _ key: String, on target: String = "$notice", by sender: String = "@alice:example.org", age: Int64 = 1000,
        relType: String = "m.annotation", id: String = "$r1"
    ) -> ClientEvent {
        ClientEvent(
            type: "m.reaction", eventID: id, sender: sender, originServerTs: now - age,
            content: .object([
                "m.relates_to": .object([
                    "rel_type": .string(relType), "event_id": .string(target), "key": .string(key),
                ])
            ]))
    }

    @Test("a button reaction in a notice or admin room is recorded like a command, threaded on what it reacts to")
    func buttonsAreCommands() throws {
        for room in [noticeRoom, adminRoom] {
            guard case .command(let command) = intake.classify(reaction("🔁"), in: room, now: now) else {
                Issue.record("not a command in \(room)")
                continue
            }
            #expect(command.reaction == StoredReaction(key: "🔁", target: eventID("$notice")))
            #expect(command.threadRoot == eventID("$notice"))
            #expect(command.body.isEmpty)
        }
        // The emoji presentation selector some clients add is ignored.
        guard case .command(let command) = intake.classify(reaction("🔇\u{FE0F}"), in: noticeRoom, now: now) else {
            Issue.record("🔇 with U+FE0F is not a command")
            return
        }
        #expect(command.reaction?.key == "🔇")
    }

    @Test("the bot's own reactions, old ones, other keys, other rooms and other relations change nothing")
    func ignoredReactions() {
        #expect(
            intake.classify(reaction("🔁", by: "@fedbot:example.org"), in: noticeRoom, now: now) == .ignore(.ownEvent))
        #expect(intake.classify(reaction("🔁", age: 600_001), in: noticeRoom, now: now) == .ignore(.tooOld))
        #expect(intake.classify(reaction("🔁", age: 7_200_000), in: noticeRoom, now: now) == .ignore(.beforeFirstSync))
        #expect(intake.classify(reaction("👍"), in: noticeRoom, now: now) == .ignore(.notCommand))
        #expect(intake.classify(reaction("🔁"), in: otherRoom, now: now) == .ignore(.notAdminRoom))
        #expect(intake.classify(reaction("🔁", relType: "m.reference"), in: noticeRoom, now: now) == .ignore(.malformed))
        // A text command in a notice room is still not a command: commands only in admin rooms.
        let text = ClientEvent(
            type: "m.room.message", eventID: "$t", sender: "@alice:example.org", originServerTs: now,
            content: .object(["msgtype": .string("m.text"), "body": .string("!fed list")]))
        #expect(intake.classify(text, in: noticeRoom, now: now) == .ignore(.notAdminRoom))
    }

    func notice(_ servers: [String], recovered: [String] = []) -> NoticeRecord {
        NoticeRecord(
            key: servers.count == 1 ? "failure-1" : "group-1", kind: servers.count == 1 ? .failure : .group,
            postedAt: F.at(0), servers: Dictionary(uniqueKeysWithValues: servers.map { ($0, F.at(0)) }),
            recovered: Dictionary(uniqueKeysWithValues: recovered.map { ($0, F.at(5)) }))
    }

    func server(_ name: String) -> ServerName {
        guard let server = ServerName(name) else { preconditionFailure(name) }
        return server
    }

    @Test("a button asks for the same actions as the commands; on a group, for every server still failing")
    func plans() {
        let single = notice(["a.example"])
        #expect(ReactionRules.plan(.reset, notice: single, closedAt: nil) == .run([.reset(server("a.example"))]))
        #expect(ReactionRules.plan(.acknowledge, notice: single, closedAt: nil) == .run([.ack(server("a.example"))]))
        #expect(
            ReactionRules.plan(.mute, notice: single, closedAt: nil)
                == .run([.muteUntilRecovered(server("a.example"))]))
        let group = notice(["c.example", "a.example", "b.example"], recovered: ["b.example"])
        #expect(
            ReactionRules.plan(.reset, notice: group, closedAt: nil)
                == .run([.resetServers([server("a.example"), server("c.example")], confirmed: false)]))
        #expect(
            ReactionRules.plan(.acknowledge, notice: group, closedAt: nil)
                == .run([.ack(server("a.example")), .ack(server("c.example"))]))
        // A group with one server left resets it like `reset SERVER` (with its follow-up).
        let almost = notice(["a.example", "b.example"], recovered: ["b.example"])
        #expect(ReactionRules.plan(.reset, notice: almost, closedAt: nil) == .run([.reset(server("a.example"))]))
    }

    @Test("a button on a notice that is over is answered with when it recovered; on an unknown one, not at all")
    func overNotices() {
        #expect(ReactionRules.plan(.reset, notice: nil, closedAt: F.at(102)) == .over(recoveredAt: F.at(102)))
        #expect(ReactionRules.plan(.mute, notice: nil, closedAt: nil) == .ignore)
        let reply = IncidentOverReply(recoveredAt: F.at(102)).render(RenderContext(prefix: "!fed", now: F.at(110)))
        #expect(reply.plain == "ℹ️ This incident is over (recovered 10:42 UTC).")
    }

    @Test("only the requester's ✅ within 2 minutes confirms a bulk reset")
    func confirmation() {
        let request = BulkResetConfirmation(
            requester: "@alice:example.org", servers: ["a.example", "b.example"],
            expiresAt: F.at(0) + BulkReset.confirmWithin)
        #expect(request.decide(sender: "@bob:example.org", at: F.at(1)) == .notRequester)
        #expect(
            request.decide(sender: "@alice:example.org", at: F.at(2))
                == .confirm([server("a.example"), server("b.example")]))
        #expect(request.decide(sender: "@alice:example.org", at: F.at(2, milliseconds: 1)) == .expired)
        #expect(NoticeButton.isConfirmation("✅") && NoticeButton.isConfirmation("✅\u{FE0F}"))
        #expect(!NoticeButton.isConfirmation("✔️"))
    }

    @Test("the watcher remembers when a notice closed, for the newest 500 notices")
    func closedNotices() {
        var run = WatcherRun()
        run.start()
        run.poll(F.at(1), [F.down("a.example", since: F.at(1))])
        run.poll(F.at(10), [], cleared: [Destination(destination: "a.example", lastSuccessfulStreamOrdering: 18)])
        #expect(run.state.notices.isEmpty)
        #expect(run.state.closedNotices == ["failure-1": F.at(10)])
        var state = WatcherState()
        for number in 0..<(WatcherState.closedNoticesKept + 3) {
            state.close("failure-\(number)", at: Timestamp(milliseconds: Int64(number)))
        }
        #expect(state.closedNotices?.count == WatcherState.closedNoticesKept)
        #expect(state.closedNotices?["failure-0"] == nil)
        #expect(state.closedNotices?["failure-502"] != nil)
    }

    @Test("acknowledged: no reminders; muted until recovered: no reminders, but the recovery is still announced")
    func silences() {
        var run = WatcherRun(policy: WatcherPolicy(remindEvery: .seconds(3600)))
        run.start()
        run.poll(F.at(1), [F.down("a.example", since: F.at(1)), F.down("b.example", since: F.at(1))])
        run.silences = IncidentSilences(acknowledged: ["a.example"])
        #expect(
            run.poll(F.at(62), [F.down("a.example", since: F.at(1)), F.down("b.example", since: F.at(1))]).count == 1)
        #expect(run.log.last?.reply.plain.contains("b.example") == true)
        #expect(run.log.last?.reply.plain.contains("a.example") == false)

        var muted = WatcherRun(policy: WatcherPolicy(remindEvery: .seconds(3600)))
        muted.start()
        muted.poll(F.at(1), [F.down("a.example", since: F.at(1))])
        muted.mutes = ["a.example": Timestamp(milliseconds: 253_402_300_799_000)]
        muted.silences = IncidentSilences(untilRecovered: ["a.example"])
        #expect(muted.poll(F.at(62), [F.down("a.example", since: F.at(1))]).isEmpty)
        let recovery = muted.poll(
            F.at(70), [], cleared: [Destination(destination: "a.example", lastSuccessfulStreamOrdering: 18)])
        #expect(shape(recovery) == ["edit failure-1", "thread failure-1"])
        // A timed mute keeps the recovery quiet (only the notice is edited), as before.
        var timed = WatcherRun()
        timed.start()
        timed.poll(F.at(1), [F.down("a.example", since: F.at(1))])
        timed.mutes = ["a.example": F.at(600)]
        #expect(
            shape(
                timed.poll(
                    F.at(70), [], cleared: [Destination(destination: "a.example", lastSuccessfulStreamOrdering: 18)]))
                == ["edit failure-1"])
    }
}
