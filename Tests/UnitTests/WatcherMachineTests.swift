import FedBotModels
import MatrixClient
import SynapseAdmin
import Testing

@testable import FedBotCore

/// Times and rows for the watcher tests. Times count in minutes from 2026-11-24 09:00:00 UTC.
enum WatcherFixture {
    static let base = Timestamp(milliseconds: 1_795_510_800_000)
    static let minute: Int64 = 60_000

    /// `minutes` (and `seconds`, `milliseconds`) after 09:00 UTC.
    static func at(_ minutes: Int64, seconds: Int64 = 0, milliseconds: Int64 = 0) -> Timestamp {
        Timestamp(milliseconds: base.milliseconds + minutes * minute + seconds * 1000 + milliseconds)
    }

    /// A destination Synapse records as failing since `since`.
    static func down(_ name: String, since: Timestamp) -> Destination {
        Destination(
            destination: name, retryLastTs: since.milliseconds, retryInterval: 600_000, failureTs: since.milliseconds,
            lastSuccessfulStreamOrdering: 17)
    }

    /// `s01.example`, `s02.example`, …
    static func names(_ count: Int, prefix: String = "s") -> [String] {
        (1...max(count, 1)).prefix(count).map { $0 < 10 ? "\(prefix)0\($0).example" : "\(prefix)\($0).example" }
    }
}

/// A watcher driven poll by poll, the way the runtime drives it: the state of one step is the input of the next.
struct WatcherRun {
    var state = WatcherState()
    var policy: WatcherPolicy
    var mutes: [String: Timestamp] = [:]
    var silences = IncidentSilences()
    /// Every action of every poll, in order.
    var log: [NoticeAction] = []

    init(policy: WatcherPolicy = WatcherPolicy(), state: WatcherState = WatcherState()) {
        self.policy = policy
        self.state = state
    }

    /// One poll at `now` that sees `failing`; returns its actions.
    @discardableResult
    mutating func poll(
        _ now: Timestamp, _ failing: [Destination], active: Int? = nil, rooms: [String: Int] = [:],
        cleared: [Destination] = [], probes: ProbeObservation? = nil, unanswered: Set<String> = []
    ) -> [NoticeAction] {
        let observation = PollObservation(
            now: now, failing: failing, total: failing.count + 100, sharedRooms: rooms, activeDestinations: active,
            cleared: Dictionary(cleared.map { ($0.destination, $0) }) { first, _ in first }, probes: probes,
            unanswered: unanswered)
        let (next, actions) = WatcherMachine.step(
            state, observation, policy: policy, mutes: mutes, silences: silences)
        state = next
        log += actions
        return actions
    }

    /// An empty baseline poll, so that later failures count as new.
    mutating func start(_ now: Timestamp = WatcherFixture.at(0)) {
        poll(now, [])
    }
}

extension NoticeAction {
    var reply: Reply {
        switch self {
        case .post(_, let reply), .edit(_, _, let reply), .threadReply(_, _, let reply): reply
        }
    }

    /// The notice the action posts or refers to.
    var noticeKey: String {
        switch self {
        case .post(let key, _), .edit(let key, _, _), .threadReply(let key, _, _): key
        }
    }

    var isPost: Bool { if case .post = self { true } else { false } }
    var isEdit: Bool { if case .edit = self { true } else { false } }
    var isThreadReply: Bool { if case .threadReply = self { true } else { false } }

    /// The first line of the plain body: what a phone notification shows.
    var headline: String { String(reply.plain.prefix { $0 != "\n" }) }
}

/// What the actions of one poll were, by kind, for compact expectations.
func shape(_ actions: [NoticeAction]) -> [String] {
    actions.map { action in
        switch action {
        case .post(let key, _): "post \(key)"
        case .edit(let key, _, _): "edit \(key)"
        case .threadReply(let key, _, _): "thread \(key)"
        }
    }
}

@Suite struct WatcherBaselineTests {
    typealias F = WatcherFixture

    @Test(arguments: [0, 1, 50])
    func firstPollSummarisesWhatIsAlreadyFailing(count: Int) throws {
        var run = WatcherRun()
        let actions = run.poll(F.at(12), F.names(count).map { F.down($0, since: F.at(-Int64(count))) })
        #expect(run.state.baselineTaken)
        #expect(run.state.incidents.count == count)
        #expect(run.state.lastPoll == F.at(12))
        guard count > 0 else {
            #expect(actions.isEmpty)
            #expect(run.state.notices.isEmpty)
            return
        }
        #expect(shape(actions) == ["post baseline-1"])
        let record = try #require(run.state.notices["baseline-1"])
        #expect(record.kind == .baseline)
        #expect(record.servers.count == count)
        #expect(run.state.incidents.values.allSatisfy { $0.noticeKey == "baseline-1" && $0.lastNoticeAt == F.at(12) })
        let plain = actions[0].reply.plain
        let bullets = plain.split(separator: "\n").filter { $0.hasPrefix("• ") }
        #expect(bullets.count == min(count, 15) + (count > 15 ? 1 : 0))
        if count > 15 {
            #expect(bullets.last == "• … and 35 more: !fed list failing")
        }
    }

    @Test func aNewFailureAfterTheBaselineGetsItsOwnNotice() throws {
        var run = WatcherRun()
        run.poll(F.at(0), [F.down("old.example", since: F.at(-600))])
        let actions = run.poll(
            F.at(13), [F.down("old.example", since: F.at(-600)), F.down("example.org", since: F.at(12))],
            rooms: ["example.org": 3])
        #expect(shape(actions) == ["post failure-2"])
        #expect(actions[0].headline == "⚠️ example.org unreachable since 09:12 UTC")
        let incident = try #require(run.state.incidents["example.org"])
        #expect(incident.noticeKey == "failure-2")
        #expect(incident.since == F.at(12))
        #expect(incident.detectedAt == F.at(13))
        #expect(incident.sharedRooms == 3)
        #expect(run.state.incidents["old.example"]?.noticeKey == "baseline-1")
        #expect(run.state.notices["failure-2"]?.kind == .failure)
        #expect(run.state.notices["failure-2"]?.sharedRooms == ["example.org": 3])
    }

    @Test func aBaselineIncidentRecoveringEditsTheBaselineNotice() throws {
        var run = WatcherRun()
        run.poll(F.at(0), [F.down("a.example", since: F.at(-60)), F.down("b.example", since: F.at(-30))])
        let actions = run.poll(F.at(10), [F.down("b.example", since: F.at(-30))])
        #expect(shape(actions) == ["edit baseline-1", "thread baseline-1"])
        #expect(actions[1].reply.plain == "✅ a.example recovered after 1h 10m")
        #expect(run.state.notices["baseline-1"]?.recovered == ["a.example": F.at(10)])
        #expect(run.state.incidents.keys.sorted() == ["b.example"])
        // The last one: the notice is resolved and forgotten.
        #expect(shape(run.poll(F.at(20), [])) == ["edit baseline-1", "thread baseline-1"])
        #expect(run.state.notices.isEmpty)
        #expect(run.state.incidents.isEmpty)
    }

    @Test func theBaselineIgnoresMinFailingButNotMutes() {
        var run = WatcherRun(policy: WatcherPolicy(minFailing: .seconds(3600)))
        run.mutes = ["muted.example": F.at(60)]
        let actions = run.poll(
            F.at(0), [F.down("young.example", since: F.at(-1)), F.down("muted.example", since: F.at(-1))])
        #expect(shape(actions) == ["post baseline-1"])
        #expect(run.state.notices["baseline-1"]?.servers.keys.sorted() == ["young.example"])
        #expect(run.state.incidents["muted.example"]?.noticeKey == nil)
    }

    @Test func aBaselineOfOnlyMutedServersPostsNothing() {
        var run = WatcherRun()
        run.mutes = ["muted.example": F.at(60)]
        #expect(run.poll(F.at(0), [F.down("muted.example", since: F.at(-1))]).isEmpty)
        #expect(run.state.baselineTaken)
        #expect(run.state.incidents.count == 1)
    }
}

@Suite struct WatcherFailureTests {
    typealias F = WatcherFixture

    @Test func youngFailuresWaitForMinFailing() {
        var run = WatcherRun(policy: WatcherPolicy(minFailing: .seconds(300)))
        run.start()
        let row = F.down("example.org", since: F.at(12))
        #expect(run.poll(F.at(13), [row]).isEmpty)
        #expect(run.state.incidents["example.org"]?.noticeKey == nil)
        #expect(run.poll(F.at(16, seconds: 59, milliseconds: 999), [row]).isEmpty)
        let actions = run.poll(F.at(18), [row])
        #expect(shape(actions) == ["post failure-1"])
        #expect(actions[0].headline == "⚠️ example.org unreachable since 09:12 UTC")
        #expect(run.state.incidents["example.org"]?.detectedAt == F.at(13))
        #expect(run.poll(F.at(19), [row]).isEmpty)
    }

    @Test func aFailureThatRecoversBeforeMinFailingIsNeverMentioned() {
        var run = WatcherRun(policy: WatcherPolicy(minFailing: .seconds(300)))
        run.start()
        run.poll(F.at(13), [F.down("flaky.example", since: F.at(12))])
        #expect(run.poll(F.at(14), []).isEmpty)
        #expect(run.state.incidents.isEmpty)
        #expect(run.log.isEmpty)
    }

    @Test func severalNewFailuresInOnePollAreOneGroupNotice() throws {
        var run = WatcherRun()
        run.start()
        let rows = F.names(30).enumerated().map { F.down($1, since: F.at(12, seconds: Int64($0))) }
        let actions = run.poll(F.at(13), rows)
        #expect(shape(actions) == ["post group-1"])
        #expect(actions[0].headline == "⚠️ 30 servers unreachable since 09:12 UTC")
        let record = try #require(run.state.notices["group-1"])
        #expect(record.kind == .group)
        #expect(record.servers.count == 30)
        #expect(run.state.incidents.values.allSatisfy { $0.noticeKey == "group-1" })
    }

    @Test func twoAtOnceAreAGroupAndALaterOneIsAFailure() {
        var run = WatcherRun()
        run.start()
        let a = F.down("a.example", since: F.at(12))
        let b = F.down("b.example", since: F.at(12))
        #expect(shape(run.poll(F.at(13), [a, b])) == ["post group-1"])
        #expect(shape(run.poll(F.at(14), [a, b, F.down("c.example", since: F.at(14))])) == ["post failure-2"])
    }

    @Test func unannouncedFailuresReachingMinFailingTogetherAreGrouped() {
        var run = WatcherRun(policy: WatcherPolicy(minFailing: .seconds(600)))
        run.start()
        let a = F.down("a.example", since: F.at(10))
        let b = F.down("b.example", since: F.at(12))
        #expect(run.poll(F.at(13), [a]).isEmpty)
        #expect(run.poll(F.at(14), [a, b]).isEmpty)
        #expect(shape(run.poll(F.at(25), [a, b])) == ["post group-1"])
    }

    @Test func aFailingRowWithoutFailureTimestampIsNotAnIncident() {
        var run = WatcherRun()
        run.start()
        #expect(run.poll(F.at(13), [Destination(destination: "fine.example")]).isEmpty)
        #expect(run.state.incidents.isEmpty)
    }
}

@Suite struct WatcherOutageTests {
    typealias F = WatcherFixture

    /// (failing at once, active destinations, outage expected)
    @Test(arguments: [
        (10, 20, true),  // at both thresholds
        (9, 18, false),  // 50 % but below the minimum
        (10, 21, false),  // the minimum but just below 50 %
        (11, 21, true),
        (20, 20, true),
        (25, 20, true),  // more failing than counted active
        (30, 0, false),  // no active destinations known: nothing to compare with
    ])
    func outageNeedsTheMinimumAndTheShare(failing: Int, active: Int, outage: Bool) throws {
        var run = WatcherRun()
        run.start()
        let actions = run.poll(F.at(13), F.names(failing).map { F.down($0, since: F.at(12)) }, active: active)
        #expect(actions.count == 1)
        let key = try #require(actions.first?.noticeKey)
        #expect(run.state.notices[key]?.kind == (outage ? .outage : .group))
        #expect(run.state.notices[key]?.activeDestinations == (outage ? active : nil))
    }

    /// Joining a big room brings many dead servers nobody talked to: their failures say nothing about us.
    @Test func onlyFailingServersThatWereActiveCountTowardsAnOutage() throws {
        let rows = F.names(30).map { F.down($0, since: F.at(12)) }
        let (start, baseline) = WatcherMachine.step(
            WatcherState(), PollObservation(now: F.at(0), failing: [], total: 100), policy: WatcherPolicy())
        #expect(baseline.isEmpty)
        // 30 failing, 20 active in all, but only 4 of the failing ones were active: a group, not an outage.
        let (quiet, group) = WatcherMachine.step(
            start,
            PollObservation(
                now: F.at(13), failing: rows, total: 100, activeDestinations: 20,
                activeFailing: Set(F.names(4))),
            policy: WatcherPolicy())
        #expect(shape(group) == ["post group-1"])
        #expect(quiet.notices["group-1"]?.kind == .group)
        // 12 of the 20 active ones failing: an outage, and its first line says how many of the 30 were active.
        let (cut, outage) = WatcherMachine.step(
            start,
            PollObservation(
                now: F.at(13), failing: rows, total: 100, activeDestinations: 20,
                activeFailing: Set(F.names(12))),
            policy: WatcherPolicy())
        #expect(shape(outage) == ["post outage-1"])
        #expect(cut.notices["outage-1"]?.activeFailing == 12)
        #expect(
            outage.first?.headline
                == "🚨 Homeserver cut off? 12 of 20 active servers unreachable since 09:12 UTC (30 in all)")
    }

    @Test func withoutActiveDestinationsThereIsNeverAnOutage() throws {
        var run = WatcherRun()
        run.start()
        let actions = run.poll(F.at(13), F.names(200).map { F.down($0, since: F.at(12)) }, active: nil)
        #expect(shape(actions) == ["post group-1"])
    }

    /// Shares whose product with the active count is not exact in floating point: 7 of 25 is 28 %.
    @Test(arguments: [(0.28, 25, 7), (0.14, 50, 7), (0.07, 100, 7), (0.3, 10, 3)])
    func aShareExactlyAtTheThresholdIsAnOutage(share: Double, active: Int, failing: Int) throws {
        var run = WatcherRun(policy: WatcherPolicy(outageMinimum: 2, outageShare: share))
        run.start()
        let actions = run.poll(F.at(13), F.names(failing).map { F.down($0, since: F.at(12)) }, active: active)
        #expect(shape(actions) == ["post outage-1"])
        // One fewer is not.
        var below = WatcherRun(policy: WatcherPolicy(outageMinimum: 2, outageShare: share))
        below.start()
        let fewer = below.poll(F.at(13), F.names(failing - 1).map { F.down($0, since: F.at(12)) }, active: active)
        #expect(shape(fewer) == ["post group-1"])
    }

    @Test func anOutageRecoversLikeAGroup() throws {
        var run = WatcherRun(policy: WatcherPolicy(outageMinimum: 3))
        run.start()
        let rows = F.names(4).map { F.down($0, since: F.at(12)) }
        #expect(shape(run.poll(F.at(13), rows, active: 6)) == ["post outage-1"])
        let actions = run.poll(F.at(20), [])
        #expect(shape(actions) == ["edit outage-1"] + Array(repeating: "thread outage-1", count: 4))
        #expect(actions[0].headline == "✅ All 4 servers recovered (unreachable since 09:12 UTC)")
        #expect(run.state.notices.isEmpty)
    }
}
