import FedBotModels
import Testing

@testable import FedBotCore

/// Probe scheduling and verdicts: failures in a row, a slower pace for a server that keeps failing, jitter.
@Suite struct ProbeMachineTests {
    typealias F = WatcherFixture
    static let policy = ProbePolicy(interval: .seconds(300), failures: 3)
    static let refused = ProbeResult.failed(check: "connect", reason: "connection refused")
    static let ok = ProbeResult.answered(latencyMilliseconds: 42)

    /// Feeds `results` one interval apart, from minute 0; returns the records and changes.
    static func feed(_ results: [ProbeResult], jitter: Double = 0) -> [(ProbeRecord, ProbeMachine.Change)] {
        var record: ProbeRecord?
        var out: [(ProbeRecord, ProbeMachine.Change)] = []
        for (index, result) in results.enumerated() {
            let (next, change) = ProbeMachine.record(
                record, server: "b.example", result: result, now: F.at(Int64(index) * 5), policy: policy,
                jitter: jitter)
            record = next
            out.append((next, change))
        }
        return out
    }

    @Test func failingIsAnnouncedAtTheThresholdOnce() {
        let steps = Self.feed([Self.ok, Self.refused, Self.refused, Self.refused, Self.refused])
        #expect(steps.map(\.1) == [.none, .none, .none, .startedFailing, .none])
        #expect(steps.map(\.0.consecutiveFailures) == [0, 1, 2, 3, 4])
        // "Since" is the first failure of the run.
        #expect(steps[4].0.since == F.at(5))
        let observation = ProbeMachine.observation(["b.example": steps[4].0], policy: Self.policy)
        #expect(observation.failing["b.example"] == ProbeFailure(since: F.at(5), result: Self.refused))
        #expect(observation.answering.isEmpty)
    }

    @Test func belowTheThresholdNothingFails() {
        let steps = Self.feed([Self.refused, Self.refused, Self.ok])
        #expect(steps.map(\.1) == [.none, .none, .none])
        let observation = ProbeMachine.observation(["b.example": steps[1].0], policy: Self.policy)
        #expect(observation.failing.isEmpty && observation.answering.isEmpty)
        #expect(ProbeMachine.observation(["b.example": steps[2].0], policy: Self.policy).answering == ["b.example"])
    }

    @Test func answeringAfterFailingIsAChangeAndResetsTheRun() {
        let steps = Self.feed([Self.refused, Self.refused, Self.refused, Self.ok])
        #expect(steps[3].1 == .answersAgain)
        #expect(steps[3].0.consecutiveFailures == 0)
        #expect(steps[3].0.since == F.at(15))
    }

    @Test func aServerFailingForAnHourIsProbedLessOftenUpToFourTimes() {
        let delays = [nil, 0, 59, 60, 119, 120, 600, Int64.max / 120_000].map { minutes in
            ProbeMachine.delay(failingFor: minutes.map { .seconds($0 * 60) }, policy: Self.policy, jitter: 0)
        }
        #expect(
            delays == [
                .seconds(300), .seconds(300), .seconds(300), .seconds(600), .seconds(600), .seconds(1200),
                .seconds(1200), .seconds(1200),
            ])
        // The schedule follows: a run of failures keeps the interval for the first hour.
        let steps = Self.feed(Array(repeating: Self.refused, count: 14))
        #expect(steps[11].0.nextAt == F.at(55) + .seconds(300))
        #expect(steps[12].0.nextAt == F.at(60) + .seconds(600))
    }

    @Test func jitterStretchesUpToATenth() {
        #expect(ProbeMachine.delay(failingFor: nil, policy: Self.policy, jitter: 0.5) == .seconds(315))
        #expect(ProbeMachine.delay(failingFor: nil, policy: Self.policy, jitter: 7) == .seconds(330))
        #expect(ProbeMachine.delay(failingFor: nil, policy: Self.policy, jitter: -1) == .seconds(300))
        let steps = Self.feed([Self.ok], jitter: 1)
        #expect(steps[0].0.nextAt == F.at(0) + .seconds(330))
    }

    @Test func dueListsNewTargetsFirstThenTheMostOverdue() {
        let now = F.at(100)
        func record(_ name: String, next: Timestamp) -> ProbeRecord {
            ProbeRecord(
                server: name, last: Self.ok, lastAt: F.at(0), since: F.at(0), consecutiveFailures: 0, nextAt: next)
        }
        let records = [
            "a.example": record("a.example", next: F.at(99)),
            "b.example": record("b.example", next: F.at(50)),
            "c.example": record("c.example", next: F.at(101)),
        ]
        let targets = ["a.example", "b.example", "c.example", "new.example"]
        #expect(
            ProbeMachine.due(targets, records: records, now: now, limit: 10) == [
                "new.example", "b.example", "a.example",
            ])
        #expect(ProbeMachine.due(targets, records: records, now: now, limit: 2) == ["new.example", "b.example"])
        #expect(ProbeMachine.due(targets, records: records, now: now, limit: -1).isEmpty)
    }

    @Test func outcomeLabelsAreBounded() {
        #expect(Self.ok.outcomeLabel == "ok")
        #expect(Self.refused.outcomeLabel == "connect")
        #expect(ProbeResult.failed(check: "evil\"label{}", reason: "x").outcomeLabel == "other")
    }

    @Test func reasonIsOneShortLine() {
        #expect(
            ProbeText.reason(.failed(check: "tls", reason: "handshake timed out\nsecond line")) == "handshake timed out"
        )
        #expect(ProbeText.reason(.failed(check: "tls", reason: "")) == "tls failed")
        #expect(ProbeText.reason(.failed(check: "tls", reason: String(repeating: "x", count: 500))).count == 120)
    }
}

/// Stuck deliveries: the stream-ordering comparison, followed over time.
@Suite struct StuckWatchTests {
    typealias F = WatcherFixture

    static func row(delivered: Int64?, failing: Bool = false) -> Destination {
        Destination(
            destination: "b.example", failureTs: failing ? F.at(0).milliseconds : nil,
            lastSuccessfulStreamOrdering: delivered)
    }

    @Test func eventsNewerThanTheLastDeliveryWait() throws {
        let watch = try #require(
            StuckWatch.update(nil, row: Self.row(delivered: 100), roomOrderings: [90, 100, 101, 250], now: F.at(0)))
        #expect(watch == StuckWatch(lastDelivery: 100, rooms: 2, since: F.at(0)))
        #expect(watch.stuck(after: .seconds(1800), now: F.at(29)) == nil)
        #expect(watch.stuck(after: .seconds(1800), now: F.at(30)) == StuckDelivery(rooms: 2, since: F.at(0)))
    }

    @Test func theWaitKeepsItsStartUntilSomethingIsDelivered() {
        let first = StuckWatch.update(nil, row: Self.row(delivered: 100), roomOrderings: [101], now: F.at(0))
        let same = StuckWatch.update(first, row: Self.row(delivered: 100), roomOrderings: [101, 102], now: F.at(10))
        #expect(same == StuckWatch(lastDelivery: 100, rooms: 2, since: F.at(0)))
        let moved = StuckWatch.update(same, row: Self.row(delivered: 101), roomOrderings: [102], now: F.at(20))
        #expect(moved == StuckWatch(lastDelivery: 101, rooms: 1, since: F.at(20)))
    }

    @Test(arguments: [
        (Int64?.some(100), false, [Int64(50), 100]),  // nothing newer
        (Int64?.none, false, [Int64(50)]),  // never delivered: nothing to compare with
        (Int64?.some(10), true, [Int64(50)]),  // failing: the watcher's own incident
    ])
    func notStuck(delivered: Int64?, failing: Bool, orderings: [Int64]) {
        let previous = StuckWatch(lastDelivery: 1, rooms: 1, since: F.at(0))
        #expect(
            StuckWatch.update(
                previous, row: Self.row(delivered: delivered, failing: failing), roomOrderings: orderings, now: F.at(5))
                == nil)
    }
}
