import FedBotModels
import Foundation
import MatrixClient
import SynapseAdmin
import Testing

@testable import FedBotCore

@Suite struct WatcherClockTests {
    typealias F = WatcherFixture

    /// `minFailing` 5m, failing since 09:12: announced from 09:17:00.000 on, not a millisecond earlier.
    @Test(arguments: [(-1, false), (0, true), (1, true)])
    func minFailingIsReachedWhenTheAgeEqualsIt(offset: Int64, announced: Bool) {
        var run = WatcherRun(policy: WatcherPolicy(minFailing: .seconds(300)))
        run.start()
        let actions = run.poll(F.at(17, milliseconds: offset), [F.down("example.org", since: F.at(12))])
        #expect(shape(actions) == (announced ? ["post failure-1"] : []))
    }

    /// Synapse's clock is 5 minutes ahead of the bot's: `failure_ts` is in the future when the bot sees it.
    @Test func aFailureTimestampInTheFutureCountsFromWhenTheBotSawIt() throws {
        var run = WatcherRun()
        run.start()
        let ahead = F.down("example.org", since: F.at(18))
        let actions = run.poll(F.at(13), [ahead])
        #expect(shape(actions) == ["post failure-1"])
        #expect(actions[0].headline == "⚠️ example.org unreachable since 09:13 UTC")
        #expect(!actions[0].reply.plain.contains("09:18"))
        let back = run.poll(F.at(50), [])
        #expect(back[1].reply.plain == "✅ example.org recovered after 37m")
    }

    @Test func aFailureTimestampInTheFutureDoesNotDelayMinFailing() {
        var run = WatcherRun(policy: WatcherPolicy(minFailing: .seconds(300)))
        run.start()
        let ahead = F.down("example.org", since: F.at(18))
        #expect(run.poll(F.at(13), [ahead]).isEmpty)
        #expect(run.poll(F.at(17, seconds: 59), [ahead]).isEmpty)
        #expect(shape(run.poll(F.at(18), [ahead])) == ["post failure-1"])
    }

    @Test func theClockGoingBackwardsNeitherRepeatsNorInventsNotices() throws {
        var run = WatcherRun(policy: WatcherPolicy(remindEvery: .seconds(1800)))
        run.start()
        let a = F.down("a.example", since: F.at(12))
        #expect(shape(run.poll(F.at(13), [a])) == ["post failure-1"])
        // NTP steps the clock back by an hour.
        #expect(run.poll(F.at(-47), [a]).isEmpty)
        #expect(run.poll(F.at(-17), [a]).isEmpty)
        let b = F.down("b.example", since: F.at(-41))
        #expect(shape(run.poll(F.at(-40), [a, b])) == ["post failure-2"])
        // Past the time of the first notice: a was last mentioned at 09:13, b at 08:20.
        #expect(shape(run.poll(F.at(14), [a, b])) == ["thread failure-2"])
        #expect(shape(run.poll(F.at(43), [a, b])) == ["thread failure-1"])
        let actions = run.poll(F.at(50), [])
        #expect(shape(actions) == ["edit failure-1", "thread failure-1", "edit failure-2", "thread failure-2"])
        #expect(actions[1].reply.plain == "✅ a.example recovered after 38m")
        #expect(actions[3].reply.plain == "✅ b.example recovered after 1h 31m")
        expectUniqueKeys(run.log)
    }

    @Test func aRecoverySeenBeforeTheFailureStartedSaysLessThanASecond() {
        var run = WatcherRun()
        run.start()
        run.poll(F.at(13), [F.down("example.org", since: F.at(12))])
        let actions = run.poll(F.at(5), [])
        #expect(shape(actions) == ["edit failure-1", "thread failure-1"])
        #expect(actions[1].reply.plain == "✅ example.org recovered after <1s")
    }

    @Test func pollsAtTheSameMillisecondStillGetUniqueKeys() throws {
        var run = WatcherRun(policy: WatcherPolicy(remindEvery: .milliseconds(1)))
        run.start(F.at(13))
        let rows = ["a.example", "b.example", "c.example"].map { F.down($0, since: F.at(12)) }
        run.poll(F.at(13), rows)
        run.poll(F.at(13), Array(rows[1...]))
        run.poll(F.at(13), Array(rows[2...]))
        run.poll(F.at(13), [])
        run.poll(F.at(13), [rows[0]])
        run.poll(F.at(13), [])
        #expect(
            shape(run.log) == [
                "post group-1",
                "edit group-1", "thread group-1",
                "edit group-1", "thread group-1",
                "edit group-1", "thread group-1",
                "post failure-8",
                "edit failure-8", "thread failure-8",
            ])
        expectUniqueKeys(run.log)
    }

    @Test func editsOfDifferentNoticesInOnePollHaveDistinctRevisions() throws {
        var run = WatcherRun()
        run.start()
        run.poll(F.at(13), [F.down("a.example", since: F.at(12))])
        run.poll(F.at(14), [F.down("a.example", since: F.at(12)), F.down("b.example", since: F.at(13))])
        run.poll(F.at(15), [])
        #expect(run.log.filter(\.isEdit).count == 2)
        expectUniqueKeys(run.log)
    }
}

/// Post keys, edit revisions and thread reply keys are each unique over everything emitted (they become
/// Matrix transaction IDs), and every edit and thread reply refers to a notice posted earlier.
func keyProblems(_ log: [NoticeAction]) -> [String] {
    var posted = Set<String>()
    var revisions = Set<String>()
    var replies = Set<String>()
    var problems: [String] = []
    for action in log {
        switch action {
        case .post(let key, _):
            if !posted.insert(key).inserted { problems.append("notice \(key) posted twice") }
        case .edit(let key, let revision, _):
            if !posted.contains(key) { problems.append("edit of \(key), never posted") }
            if !revisions.insert(revision).inserted { problems.append("revision \(revision) reused") }
        case .threadReply(let key, let replyKey, _):
            if !posted.contains(key) { problems.append("reply to \(key), never posted") }
            if !replies.insert(replyKey).inserted { problems.append("reply \(replyKey) sent twice") }
        }
    }
    return problems
}

func expectUniqueKeys(_ log: [NoticeAction], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(keyProblems(log).prefix(5) == [], sourceLocation: sourceLocation)
}

@Suite struct WatcherStateCodingTests {
    typealias F = WatcherFixture

    func roundTrip(_ state: WatcherState) throws -> WatcherState {
        try JSONDecoder().decode(WatcherState.self, from: JSONEncoder().encode(state))
    }

    @Test func aStateWithEveryKindOfEntryRoundTripsThroughJSON() throws {
        var run = WatcherRun(policy: WatcherPolicy(minFailing: .seconds(60), remindEvery: .seconds(600)))
        #expect(try roundTrip(run.state) == run.state)
        run.poll(F.at(0), [F.down("old.example", since: F.at(-90))])
        run.poll(F.at(13), [F.down("old.example", since: F.at(-90)), F.down("young.example", since: F.at(13))])
        #expect(run.state.incidents["young.example"]?.noticeKey == nil)
        let old = F.down("old.example", since: F.at(-90))
        run.poll(
            F.at(20), [old] + ["a.example", "b.example"].map { F.down($0, since: F.at(12)) }, rooms: ["a.example": 4])
        run.poll(F.at(25), [old, F.down("b.example", since: F.at(12))])
        #expect(run.state.notices.keys.sorted() == ["baseline-1", "group-3"])
        #expect(run.state.notices["group-3"]?.recovered.count == 1)
        #expect(run.state.incidents["young.example"] == nil)
        let decoded = try roundTrip(run.state)
        #expect(decoded == run.state)

        // The decoded state carries on exactly like the original.
        var copy = WatcherRun(policy: run.policy, state: decoded)
        let rows = [F.down("c.example", since: F.at(30))]
        #expect(copy.poll(F.at(60), rows) == run.poll(F.at(60), rows))
        #expect(copy.state == run.state)
    }

    /// A state as an earlier version stored it keeps loading.
    @Test func aStoredStateDecodes() throws {
        let json = """
            {"baselineTaken":true,"nextNoticeNumber":3,"lastPoll":1795511580000,
             "incidents":{"example.org":{"server":"example.org","since":1795511520000,"detectedAt":1795511580000,
               "noticeKey":"failure-2","lastNoticeAt":1795511580000,"sharedRooms":3},
               "young.example":{"server":"young.example","since":1795511570000,"detectedAt":1795511580000}},
             "notices":{"failure-2":{"key":"failure-2","kind":"failure","postedAt":1795511580000,
               "servers":{"example.org":1795511520000},"sharedRooms":{"example.org":3},"recovered":{}}}}
            """
        let state = try JSONDecoder().decode(WatcherState.self, from: Data(json.utf8))
        #expect(state.nextNoticeNumber == 3)
        #expect(state.incidents["example.org"]?.noticeKey == "failure-2")
        #expect(state.incidents["young.example"]?.noticeKey == nil)
        #expect(state.notices["failure-2"]?.servers == ["example.org": F.at(12)])
        var run = WatcherRun(state: state)
        let actions = run.poll(F.at(49), [F.down("young.example", since: F.at(12, seconds: 50))])
        #expect(shape(actions) == ["edit failure-2", "thread failure-2", "post failure-5"])
    }
}

@Suite struct WatcherKeyPropertyTests {
    typealias F = WatcherFixture

    /// Random polls: servers fail and recover, the clock jumps (also backwards and not at all), mutes come and
    /// go, `ignore` changes, the state is stored and loaded. Keys never repeat, and nothing is announced twice.
    @Test(arguments: [1, 2, 3, 42, 2026] as [UInt64])
    func keysStayUniqueOverALongRandomSequence(seed: UInt64) throws {
        var random = SeededGenerator(state: seed)
        let servers = F.names(12)
        var run = WatcherRun(
            policy: WatcherPolicy(
                minFailing: .seconds(120), remindEvery: .seconds(1800), outageMinimum: 4, outageShare: 0.5))
        var now = F.at(0)
        var failingSince: [String: Timestamp] = [:]
        let steps: [Int64] = [0, 0, 1, 30_000, 60_000, 60_000, 60_000, 600_000, 3 * 3_600_000, -300_000]
        for poll in 0..<3000 {
            now = now + .milliseconds(steps.randomElement(using: &random) ?? 0)
            for server in servers where Int.random(in: 0..<10, using: &random) == 0 {
                if failingSince[server] == nil {
                    // Mostly in the past, sometimes ahead of the bot's clock.
                    failingSince[server] = now + .seconds(Int64.random(in: -900...120, using: &random))
                } else {
                    failingSince[server] = nil
                }
            }
            if Int.random(in: 0..<20, using: &random) == 0, let server = servers.randomElement(using: &random) {
                run.mutes[server] = now + .seconds(Int64.random(in: -60...7200, using: &random))
            }
            if Int.random(in: 0..<50, using: &random) == 0 {
                run.policy.ignore = run.policy.ignore.isEmpty ? [Glob("s0?.example")] : []
            }
            if poll % 97 == 0 {
                run.state = try JSONDecoder().decode(WatcherState.self, from: JSONEncoder().encode(run.state))
            }
            let before = run.state
            let rows = failingSince.map { F.down($0.key, since: $0.value) }
            let active = Bool.random(using: &random) ? Int.random(in: 0...12, using: &random) : nil
            let actions = run.poll(now, rows, active: active)
            let problems = stepProblems(before: before, after: run.state, actions: actions, policy: run.policy)
            guard problems.isEmpty else {
                Issue.record("seed \(seed), poll \(poll) at \(now): \(problems)")
                return
            }
        }
        expectUniqueKeys(run.log)
        #expect(run.log.filter(\.isPost).count > 20)
        #expect(run.log.filter(\.isEdit).count > 20)
        #expect(run.log.contains { $0.noticeKey.hasPrefix("outage-") })
    }

    /// What is wrong after one step: a server announced while already announced or ignored, an open incident
    /// whose notice was forgotten, a notice kept although it can never be edited again.
    func stepProblems(
        before: WatcherState, after: WatcherState, actions: [NoticeAction], policy: WatcherPolicy
    ) -> [String] {
        var problems: [String] = []
        for case .post(let key, _) in actions {
            guard let record = after.notices[key] else {
                problems.append("\(key) posted but not kept")
                continue
            }
            for server in record.servers.keys {
                if before.incidents[server]?.noticeKey != nil { problems.append("\(server) announced twice") }
                if policy.ignores(server) { problems.append("\(server) ignored but announced") }
            }
        }
        for incident in after.incidents.values {
            if policy.ignores(incident.server) { problems.append("\(incident.server) ignored but open") }
            if let key = incident.noticeKey, after.notices[key]?.servers[incident.server] == nil {
                problems.append("\(key) forgotten while \(incident.server) is open")
            }
        }
        for (key, record) in after.notices {
            if record.isResolved { problems.append("\(key) resolved but kept") }
            if !after.incidents.values.contains(where: { $0.noticeKey == key }) {
                problems.append("\(key) kept without open incidents")
            }
        }
        if after.nextNoticeNumber < before.nextNoticeNumber { problems.append("key counter went back") }
        return problems
    }
}
