import FedBotModels
import MatrixClient
import SynapseAdmin
import Testing

@testable import FedBotCore

@Suite struct WatcherRecoveryTests {
    typealias F = WatcherFixture

    @Test func aRecoveryEditsTheNoticeAndRepliesInItsThread() throws {
        var run = WatcherRun()
        run.start()
        run.poll(F.at(13), [F.down("example.org", since: F.at(12))], rooms: ["example.org": 3])
        let actions = run.poll(F.at(49), [])
        #expect(shape(actions) == ["edit failure-1", "thread failure-1"])
        #expect(actions[0].headline == "✅ example.org recovered after 37m (unreachable 09:12 UTC–09:49 UTC)")
        #expect(actions[1].reply.plain == "✅ example.org recovered after 37m")
        #expect(run.state.incidents.isEmpty)
        #expect(run.state.notices.isEmpty)
        #expect(run.poll(F.at(50), []).isEmpty)
    }

    @Test func aGroupRecoversPartlyThenFully() throws {
        var run = WatcherRun()
        run.start()
        let a = F.down("a.example", since: F.at(10))
        let b = F.down("b.example", since: F.at(11))
        let c = F.down("c.example", since: F.at(12))
        #expect(shape(run.poll(F.at(13), [a, b, c])) == ["post group-1"])

        let partly = run.poll(F.at(30), [b, c])
        #expect(shape(partly) == ["edit group-1", "thread group-1"])
        #expect(
            partly[0].reply.plain == """
                ⚠️ 2 of 3 servers still unreachable (since 09:10 UTC), 1 recovered
                • ✅ a.example — recovered after 20m
                • 🔴 b.example — since 09:11 UTC
                • 🔴 c.example — since 09:12 UTC
                """)
        #expect(partly[1].reply.plain == "✅ a.example recovered after 20m")
        let record = try #require(run.state.notices["group-1"])
        #expect(record.recovered == ["a.example": F.at(30)])
        #expect(!record.isResolved)

        let fully = run.poll(F.at(42), [])
        #expect(shape(fully) == ["edit group-1", "thread group-1", "thread group-1"])
        #expect(
            fully[0].reply.plain == """
                ✅ All 3 servers recovered (unreachable since 09:10 UTC)
                • ✅ a.example — recovered after 20m
                • ✅ b.example — recovered after 31m
                • ✅ c.example — recovered after 30m
                """)
        #expect(
            fully[1...].map(\.reply.plain) == ["✅ b.example recovered after 31m", "✅ c.example recovered after 30m"])
        #expect(run.state.notices.isEmpty)
        #expect(run.state.incidents.isEmpty)
    }

    @Test func recoveriesWhileTheBotWasDownAreReportedOnceWithTheirWholeDuration() {
        var run = WatcherRun()
        run.start()
        run.poll(F.at(13), [F.down("a.example", since: F.at(12))])
        run.poll(F.at(14), [F.down("a.example", since: F.at(12)), F.down("b.example", since: F.at(14))])
        run.poll(F.at(15), [F.down("a.example", since: F.at(12)), F.down("b.example", since: F.at(14))])
        // Down from 09:15 to 14:40; both recovered meanwhile.
        let actions = run.poll(F.at(340), [])
        #expect(shape(actions) == ["edit failure-1", "thread failure-1", "edit failure-2", "thread failure-2"])
        #expect(actions[0].headline == "✅ a.example recovered after 5h 28m (unreachable 09:12 UTC–14:40 UTC)")
        #expect(actions[1].reply.plain == "✅ a.example recovered after 5h 28m")
        #expect(actions[3].reply.plain == "✅ b.example recovered after 5h 26m")
        #expect(run.poll(F.at(341), []).isEmpty)
    }

    @Test func aServerThatFailsAgainGetsANewIncidentAndANewNotice() throws {
        var run = WatcherRun()
        run.start()
        run.poll(F.at(13), [F.down("example.org", since: F.at(12))])
        run.poll(F.at(20), [])
        let again = run.poll(F.at(30), [F.down("example.org", since: F.at(29))])
        // failure-2 and -3 numbered the edit and the thread reply.
        #expect(shape(again) == ["post failure-4"])
        #expect(again[0].headline == "⚠️ example.org unreachable since 09:29 UTC")
        let incident = try #require(run.state.incidents["example.org"])
        #expect(incident.since == F.at(29))
        #expect(incident.noticeKey == "failure-4")
        #expect(run.state.notices.keys.sorted() == ["failure-4"])
        let back = run.poll(F.at(40), [])
        #expect(shape(back) == ["edit failure-4", "thread failure-4"])
        #expect(back[1].reply.plain == "✅ example.org recovered after 11m")
    }

    @Test func recoveringServersOfDifferentNoticesEditEachNoticeOnce() {
        var run = WatcherRun()
        run.start()
        let a = F.down("a.example", since: F.at(12))
        let b = F.down("b.example", since: F.at(12))
        let c = F.down("c.example", since: F.at(14))
        run.poll(F.at(13), [a, b])
        run.poll(F.at(15), [a, b, c])
        let actions = run.poll(F.at(20), [b])
        #expect(shape(actions) == ["edit failure-2", "thread failure-2", "edit group-1", "thread group-1"])
    }
}

@Suite struct WatcherIgnoreTests {
    typealias F = WatcherFixture

    @Test func ignoredServersNeverBecomeIncidents() {
        var run = WatcherRun(policy: WatcherPolicy(ignore: [Glob("*.dead.example"), Glob("gone.example")]))
        let ignored = [F.down("a.dead.example", since: F.at(-60)), F.down("GONE.example", since: F.at(-60))]
        #expect(run.poll(F.at(0), ignored).isEmpty)
        let actions = run.poll(F.at(13), ignored + [F.down("example.org", since: F.at(12))])
        #expect(shape(actions) == ["post failure-1"])
        #expect(run.state.incidents.keys.sorted() == ["example.org"])
        #expect(run.poll(F.at(20), []).count == 2)
        #expect(run.log.allSatisfy { !$0.reply.plain.contains("dead.example") && !$0.reply.plain.contains("GONE") })
    }

    @Test func ignoredServersDoNotCountTowardsAnOutage() {
        var run = WatcherRun(policy: WatcherPolicy(ignore: [Glob("x*")], outageMinimum: 3))
        run.start()
        let rows = (F.names(3, prefix: "x") + ["a.example", "b.example"]).map { F.down($0, since: F.at(12)) }
        #expect(shape(run.poll(F.at(13), rows, active: 5)) == ["post group-1"])
    }

    @Test func aServerAddedToIgnoreLaterIsDroppedSilently() {
        var run = WatcherRun()
        run.start()
        let a = F.down("a.example", since: F.at(12))
        run.poll(F.at(13), [a])
        run.policy.ignore = [Glob("a.example")]
        #expect(run.poll(F.at(14), [a]).isEmpty)
        #expect(run.state.incidents.isEmpty)
        #expect(run.poll(F.at(15), []).isEmpty)
        // Nothing is left waiting for a recovery that will never be reported.
        #expect(run.state.notices.isEmpty)
    }

    @Test func aGroupMemberAddedToIgnoreLeavesTheRestOfTheGroup() throws {
        var run = WatcherRun()
        run.start()
        let a = F.down("a.example", since: F.at(12))
        let b = F.down("b.example", since: F.at(12))
        run.poll(F.at(13), [a, b])
        run.policy.ignore = [Glob("b.example")]
        #expect(run.poll(F.at(14), [a, b]).isEmpty)
        let actions = run.poll(F.at(20), [b])
        // The edit still shows b as it was last seen; then the notice is forgotten, as no open incident is left.
        #expect(shape(actions) == ["edit group-1", "thread group-1"])
        #expect(
            actions[0].reply.plain == """
                ⚠️ 1 of 2 servers still unreachable (since 09:12 UTC), 1 recovered
                • ✅ a.example — recovered after 8m
                • 🔴 b.example — since 09:12 UTC
                """)
        #expect(run.state.notices.isEmpty)
        #expect(run.poll(F.at(30), []).isEmpty)
    }
}

@Suite struct WatcherMuteTests {
    typealias F = WatcherFixture

    @Test func aMutedNewFailureIsAnnouncedWhenTheMuteEndsIfStillFailing() {
        var run = WatcherRun()
        run.start()
        run.mutes = ["example.org": F.at(60)]
        let row = F.down("example.org", since: F.at(12))
        #expect(run.poll(F.at(13), [row]).isEmpty)
        #expect(run.poll(F.at(59, seconds: 59, milliseconds: 999), [row]).isEmpty)
        #expect(run.state.incidents["example.org"]?.noticeKey == nil)
        // The mute ends exactly now: no longer muted.
        let actions = run.poll(F.at(60), [row])
        #expect(shape(actions) == ["post failure-1"])
        #expect(actions[0].headline == "⚠️ example.org unreachable since 09:12 UTC")
    }

    @Test func aMutedFailureThatRecoversDuringTheMuteIsNeverMentioned() {
        var run = WatcherRun()
        run.start()
        run.mutes = ["example.org": F.at(60)]
        run.poll(F.at(13), [F.down("example.org", since: F.at(12))])
        #expect(run.poll(F.at(30), []).isEmpty)
        run.mutes = [:]
        #expect(run.poll(F.at(70), []).isEmpty)
        #expect(run.log.isEmpty)
    }

    @Test func anAnnouncedServerMutedLaterGetsItsEditButNoThreadReply() {
        var run = WatcherRun()
        run.start()
        let a = F.down("a.example", since: F.at(12))
        let b = F.down("b.example", since: F.at(12))
        run.poll(F.at(13), [a, b])
        run.mutes = ["a.example": F.at(120)]
        let actions = run.poll(F.at(30), [b])
        #expect(shape(actions) == ["edit group-1"])
        #expect(actions[0].reply.plain.contains("✅ a.example — recovered after 18m"))
        let last = run.poll(F.at(40), [])
        #expect(shape(last) == ["edit group-1", "thread group-1"])
        #expect(last[1].reply.plain == "✅ b.example recovered after 28m")
    }

    @Test func mutedServersAreLeftOutOfAGroupOfOthers() throws {
        var run = WatcherRun()
        run.start()
        run.mutes = ["a.example": F.at(60)]
        let rows = ["a.example", "b.example", "c.example"].map { F.down($0, since: F.at(12)) }
        #expect(shape(run.poll(F.at(13), rows)) == ["post group-1"])
        #expect(run.state.notices["group-1"]?.servers.keys.sorted() == ["b.example", "c.example"])
        #expect(shape(run.poll(F.at(61), rows)) == ["post failure-2"])
    }

    @Test func aMuteForAnotherServerChangesNothing() {
        var run = WatcherRun()
        run.start()
        run.mutes = ["other.example": F.at(600)]
        #expect(shape(run.poll(F.at(13), [F.down("example.org", since: F.at(12))])) == ["post failure-1"])
    }
}

@Suite struct WatcherReminderTests {
    typealias F = WatcherFixture

    @Test func remindersComeOncePerIntervalInTheNoticeThread() {
        var run = WatcherRun(policy: WatcherPolicy(remindEvery: .seconds(3600)))
        run.start()
        let row = F.down("example.org", since: F.at(12))
        run.poll(F.at(13), [row])
        #expect(run.poll(F.at(40), [row]).isEmpty)
        #expect(run.poll(F.at(72, seconds: 59, milliseconds: 999), [row]).isEmpty)
        let first = run.poll(F.at(73), [row])
        #expect(shape(first) == ["thread failure-1"])
        #expect(first[0].reply.plain == "⏰ example.org still unreachable after 1h 1m")
        #expect(run.poll(F.at(74), [row]).isEmpty)
        #expect(run.poll(F.at(130), [row]).isEmpty)
        #expect(shape(run.poll(F.at(133), [row])) == ["thread failure-1"])
    }

    @Test func oneReminderPerNoticeListsItsOpenIncidents() {
        var run = WatcherRun(policy: WatcherPolicy(remindEvery: .seconds(3600)))
        run.start()
        let a = F.down("a.example", since: F.at(10))
        let b = F.down("b.example", since: F.at(12))
        let c = F.down("c.example", since: F.at(12))
        let d = F.down("d.example", since: F.at(20))
        run.poll(F.at(13), [a, b, c])
        run.poll(F.at(21), [a, b, c, d])
        // c recovered; a and b remain in group-1, d in failure-2.
        let actions = run.poll(F.at(90), [a, b, d])
        #expect(shape(actions) == ["edit group-1", "thread group-1", "thread failure-2", "thread group-1"])
        #expect(
            actions[3].reply.plain == """
                ⏰ 2 servers still unreachable, the first for 1h 20m
                • a.example — failing for 1h 20m
                • b.example — failing for 1h 18m
                """)
        #expect(actions[2].reply.plain == "⏰ d.example still unreachable after 1h 10m")
    }

    @Test func noRemindersWhenRemindEveryIsZero() {
        var run = WatcherRun()
        run.start()
        let row = F.down("example.org", since: F.at(12))
        run.poll(F.at(13), [row])
        #expect(run.poll(F.at(13 + 60 * 24 * 30), [row]).isEmpty)
    }

    @Test func mutedIncidentsAreNotRemindedOf() {
        var run = WatcherRun(policy: WatcherPolicy(remindEvery: .seconds(3600)))
        run.start()
        let row = F.down("example.org", since: F.at(12))
        run.poll(F.at(13), [row])
        run.mutes = ["example.org": F.at(200)]
        #expect(run.poll(F.at(80), [row]).isEmpty)
        #expect(run.poll(F.at(199), [row]).isEmpty)
        #expect(shape(run.poll(F.at(200), [row])) == ["thread failure-1"])
    }

    @Test func unannouncedIncidentsAreNotRemindedOf() {
        var run = WatcherRun(policy: WatcherPolicy(minFailing: .seconds(7200), remindEvery: .seconds(60)))
        run.start()
        let row = F.down("example.org", since: F.at(12))
        for minute in Int64(13)..<Int64(132) {
            #expect(run.poll(F.at(minute), [row]).isEmpty)
        }
        #expect(shape(run.poll(F.at(132), [row])) == ["post failure-1"])
        #expect(run.poll(F.at(132, seconds: 59), [row]).isEmpty)
        #expect(shape(run.poll(F.at(133), [row])) == ["thread failure-1"])
    }
}
