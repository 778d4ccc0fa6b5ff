import FedBotModels
import Foundation
import Testing

@testable import FedBotCore

/// Probe and stuck-delivery incidents in the watcher: one notice per incident, Synapse's failure joining
/// it, recovery only when both agree, auto-reset once.
@Suite struct WatcherProbeTests {
    typealias F = WatcherFixture
    static let refused = ProbeResult.failed(check: "connect", reason: "connection refused")

    static func failing(_ name: String, since: Timestamp) -> ProbeObservation {
        ProbeObservation(failing: [name: ProbeFailure(since: since, result: refused)])
    }

    /// The last probe answered at `at` (by default: long after every failure in these tests).
    static func answering(_ name: String, at: Timestamp = F.at(1000), autoReset: Bool = false) -> ProbeObservation {
        ProbeObservation(answeredAt: [name: at], autoReset: autoReset)
    }

    /// A destination Synapse knows and calls healthy (what the re-check returns).
    static func healthy(_ name: String, delivered: Int64 = 17) -> Destination {
        Destination(destination: name, lastSuccessfulStreamOrdering: delivered)
    }

    @Test func probeFailureIsAnnouncedBeforeSynapseNotices() throws {
        var run = WatcherRun()
        run.start()
        let actions = run.poll(F.at(15), [], probes: Self.failing("b.example", since: F.at(5)))
        #expect(shape(actions) == ["post probe-1"])
        #expect(
            actions[0].headline
                == "⚠️ b.example not answering federation (probe: connection refused); Synapse has not noticed yet")
        let incident = try #require(run.state.incidents["b.example"])
        #expect(incident.since == F.at(5))
        #expect(incident.probe?.result == Self.refused)
        // Still failing, Synapse still silent: nothing new, and the re-check's healthy row does not end it.
        let later = run.poll(
            F.at(25), [], cleared: [Self.healthy("b.example")], probes: Self.failing("b.example", since: F.at(5)))
        #expect(later.isEmpty)
        #expect(run.state.incidents["b.example"] != nil)
    }

    @Test func failedRecheckOfAProbeIncidentIsNotSynapseFailing() throws {
        var run = WatcherRun()
        run.start()
        run.poll(F.at(15), [], probes: Self.failing("b.example", since: F.at(5)))
        // The admin look-up of the open incident fails (timeout, 5xx): the service counts it failing since
        // it began, so that nothing recovers on an error, and says that the answer is missing.
        let incident = run.state.incidents["b.example"]
        let kept = try #require(WatcherMachine.recheck("b.example", incident: incident, answer: .failed).failing)
        let actions = run.poll(
            F.at(20), [kept], probes: Self.failing("b.example", since: F.at(5)), unanswered: ["b.example"])
        #expect(actions.isEmpty)
        #expect(run.state.notices["probe-1"]?.synapseSince == nil)
        // Probes answer while the look-up still fails: it stays open, and nothing is reset.
        let back = run.poll(
            F.at(25), [kept], probes: Self.answering("b.example", autoReset: true), unanswered: ["b.example"])
        #expect(back.isEmpty)
        #expect(run.state.incidents["b.example"] != nil)
        #expect(run.state.incidents["b.example"]?.autoResetAt == nil)
        // The look-up answers again: healthy, probes answer, both agree.
        let ended = run.poll(F.at(30), [], cleared: [Self.healthy("b.example")], probes: Self.answering("b.example"))
        #expect(shape(ended).contains("edit probe-1"))
        #expect(run.state.incidents["b.example"] == nil)
    }

    @Test func synapseFailureJoinsTheSameIncidentWithOneEdit() throws {
        var run = WatcherRun()
        run.start()
        run.poll(F.at(15), [], probes: Self.failing("b.example", since: F.at(5)))
        let joined = run.poll(
            F.at(20), [F.down("b.example", since: F.at(18))], probes: Self.failing("b.example", since: F.at(5)))
        #expect(shape(joined) == ["edit probe-1"])
        #expect(
            joined[0].headline.hasPrefix(
                "⚠️ b.example not answering federation (probe: connection refused); Synapse fails too since"))
        #expect(run.state.notices["probe-1"]?.synapseSince == F.at(18))
        // Later polls with both failing: no more notices, no second incident.
        let again = run.poll(
            F.at(25), [F.down("b.example", since: F.at(18))], probes: Self.failing("b.example", since: F.at(5)))
        #expect(again.isEmpty)
        #expect(run.state.incidents.count == 1)
        #expect(run.log.filter(\.isPost).count == 1)
    }

    @Test func recoveryNeedsProbesAndSynapseToAgree() throws {
        var run = WatcherRun()
        run.start()
        run.poll(F.at(15), [], probes: Self.failing("b.example", since: F.at(5)))
        run.poll(F.at(20), [F.down("b.example", since: F.at(18))], probes: Self.failing("b.example", since: F.at(5)))
        // Probes answer again, Synapse still in backoff: open.
        let half = run.poll(F.at(30), [F.down("b.example", since: F.at(18))], probes: Self.answering("b.example"))
        #expect(half.isEmpty)
        #expect(run.state.incidents["b.example"]?.probe == nil)
        // Synapse delivers again: ended, notice edited, recovery in the thread.
        var row = Self.healthy("b.example", delivered: 40)
        row.retryLastTs = 0
        let done = run.poll(F.at(31), [], cleared: [row], probes: Self.answering("b.example"))
        #expect(shape(done) == ["edit probe-1", "thread probe-1"])
        #expect(run.state.incidents.isEmpty)
        #expect(run.state.notices.isEmpty)
    }

    @Test func synapseRecoveryWaitsForTheProbes() {
        var run = WatcherRun()
        run.start()
        run.poll(F.at(15), [], probes: Self.failing("b.example", since: F.at(5)))
        run.poll(F.at(20), [F.down("b.example", since: F.at(18))], probes: Self.failing("b.example", since: F.at(5)))
        // Synapse delivered (a higher stream ordering) but the probes still fail: still open.
        let synapseOnly = run.poll(
            F.at(30), [], cleared: [Self.healthy("b.example", delivered: 99)],
            probes: Self.failing("b.example", since: F.at(5)))
        #expect(synapseOnly.isEmpty)
        #expect(run.state.incidents["b.example"] != nil)
        let both = run.poll(
            F.at(35), [], cleared: [Self.healthy("b.example", delivered: 99)], probes: Self.answering("b.example"))
        #expect(shape(both) == ["edit probe-1", "thread probe-1"])
        #expect(both[0].headline.hasPrefix("✅ b.example recovered after 30m"))
    }

    @Test func probeOnlyIncidentEndsWhenProbesAnswer() {
        var run = WatcherRun()
        run.start()
        run.poll(F.at(15), [], probes: Self.failing("b.example", since: F.at(5)))
        let back = run.poll(F.at(20), [], probes: Self.answering("b.example"))
        #expect(shape(back) == ["edit probe-1", "thread probe-1"])
        #expect(run.state.incidents.isEmpty)
    }

    @Test func synapseIncidentThatProbesAlsoFailKeepsItsNotice() {
        var run = WatcherRun()
        run.start()
        #expect(shape(run.poll(F.at(10), [F.down("b.example", since: F.at(9))])) == ["post failure-1"])
        let both = run.poll(
            F.at(15), [F.down("b.example", since: F.at(9))], probes: Self.failing("b.example", since: F.at(12)))
        #expect(both.isEmpty)
        #expect(run.state.incidents["b.example"]?.probe?.since == F.at(12))
    }

    @Test func autoResetOncePerIncidentSaidInTheThread() throws {
        var run = WatcherRun()
        run.start()
        run.poll(F.at(10), [F.down("b.example", since: F.at(9))])
        let before = run.state
        let first = run.poll(
            F.at(20), [F.down("b.example", since: F.at(9))], probes: Self.answering("b.example", autoReset: true))
        #expect(shape(first) == ["thread failure-1"])
        #expect(first[0].headline.hasPrefix("🔁 b.example answers probes again: reset Synapse's backoff"))
        #expect(WatcherMachine.autoResets(before: before, after: run.state) == ["b.example"])
        let after = run.state
        let second = run.poll(
            F.at(25), [F.down("b.example", since: F.at(9))], probes: Self.answering("b.example", autoReset: true))
        #expect(second.isEmpty)
        #expect(WatcherMachine.autoResets(before: after, after: run.state).isEmpty)
    }

    @Test func anAnswerFromBeforeSynapsesLastAttemptDoesNotReset() {
        var run = WatcherRun()
        run.start()
        run.poll(F.at(10), [F.down("b.example", since: F.at(9))])
        let before = run.state
        // The last probe answered before Synapse's failed attempt: B may still be down.
        let stale = run.poll(
            F.at(11), [F.down("b.example", since: F.at(9))],
            probes: Self.answering("b.example", at: F.at(8), autoReset: true))
        #expect(stale.isEmpty)
        #expect(WatcherMachine.autoResets(before: before, after: run.state).isEmpty)
        run.poll(
            F.at(12), [F.down("b.example", since: F.at(9))],
            probes: Self.answering("b.example", at: F.at(12), autoReset: true))
        #expect(WatcherMachine.autoResets(before: before, after: run.state) == ["b.example"])
    }

    @Test func autoResetIsOffUnlessConfiguredAndRateLimited() {
        var run = WatcherRun()
        run.start()
        let names = F.names(8)
        run.poll(F.at(10), names.map { F.down($0, since: F.at(9)) })
        let off = run.state
        run.poll(
            F.at(11), names.map { F.down($0, since: F.at(9)) },
            probes: ProbeObservation(answeredAt: Dictionary(uniqueKeysWithValues: names.map { ($0, F.at(11)) })))
        #expect(WatcherMachine.autoResets(before: off, after: run.state).isEmpty)
        let on = run.state
        run.poll(
            F.at(12), names.map { F.down($0, since: F.at(9)) },
            probes: ProbeObservation(
                answeredAt: Dictionary(uniqueKeysWithValues: names.map { ($0, F.at(12)) }), autoReset: true))
        #expect(WatcherMachine.autoResets(before: on, after: run.state) == Array(names.prefix(5)))
        let rest = run.state
        run.poll(
            F.at(13), names.map { F.down($0, since: F.at(9)) },
            probes: ProbeObservation(
                answeredAt: Dictionary(uniqueKeysWithValues: names.map { ($0, F.at(12)) }), autoReset: true))
        #expect(WatcherMachine.autoResets(before: rest, after: run.state) == Array(names.suffix(3)))
    }

    @Test func mutedAndIgnoredProbeFailuresPostNothing() {
        var run = WatcherRun(policy: WatcherPolicy(ignore: [Glob("*.ignored")]))
        run.start()
        run.mutes = ["b.example": F.at(60)]
        let probes = ProbeObservation(failing: [
            "b.example": ProbeFailure(since: F.at(1), result: Self.refused),
            "x.ignored": ProbeFailure(since: F.at(1), result: Self.refused),
        ])
        #expect(run.poll(F.at(5), [], probes: probes).isEmpty)
        #expect(run.state.incidents.keys.sorted() == ["b.example"])
    }

    @Test func stuckDeliveryGetsOneNoticeAndEndsWhenDelivered() {
        var run = WatcherRun()
        run.start()
        let stuck = ProbeObservation(stuck: ["b.example": StuckDelivery(rooms: 3, since: F.at(0))])
        let first = run.poll(F.at(31), [], probes: stuck)
        #expect(shape(first) == ["post stuck-1"])
        #expect(
            first[0].headline
                == "⏳ b.example: events waiting for delivery for 31m in 3 rooms; Synapse reports no failure")
        #expect(run.poll(F.at(40), [], probes: stuck).isEmpty)
        let done = run.poll(F.at(45), [], probes: ProbeObservation())
        #expect(shape(done) == ["edit stuck-1", "thread stuck-1"])
        #expect(done[0].headline == "✅ Deliveries to b.example resumed after 45m")
        #expect(run.state.incidents.isEmpty)
    }

    @Test func stuckDestinationThatStartsFailingStaysOneIncident() {
        var run = WatcherRun()
        run.start()
        let stuck = ProbeObservation(stuck: ["b.example": StuckDelivery(rooms: 1, since: F.at(0))])
        run.poll(F.at(31), [], probes: stuck)
        let failing = run.poll(F.at(35), [F.down("b.example", since: F.at(34))], probes: ProbeObservation())
        #expect(failing.isEmpty)
        #expect(run.state.incidents["b.example"]?.stuck == nil)
        #expect(run.state.incidents["b.example"]?.noticeKey == "stuck-1")
    }

    @Test func stateWithoutProbeFieldsStillDecodes() throws {
        let old = #"{"server":"b.example","since":1,"detectedAt":2}"#
        let incident = try JSONDecoder().decode(Incident.self, from: Data(old.utf8))
        #expect(incident.probe == nil && incident.stuck == nil && incident.autoResetAt == nil)
    }
}
