import FedBotModels
import MatrixClient
import SynapseAdmin
import Testing

@testable import FedBotCore

/// When a cleared failure counts as a recovery: Synapse clears `failure_ts` on a `reset` at once, and puts
/// it back when a request to a hung peer that was in flight times out.
@Suite struct WatcherConfirmationTests {
    typealias F = WatcherFixture

    /// Synapse's row after a reset or a recovery: no failure; `delivered` is its stream ordering.
    static func cleared(_ name: String, delivered: Int64? = 17) -> Destination {
        Destination(destination: name, lastSuccessfulStreamOrdering: delivered)
    }

    static func down(_ name: String, since: Timestamp, delivered: Int64) -> Destination {
        var row = F.down(name, since: since)
        row.lastSuccessfulStreamOrdering = delivered
        return row
    }

    @Test func aResetUndoneByAHungRequestIsNeitherARecoveryNorANewFailure() {
        var run = WatcherRun()
        run.start()
        #expect(shape(run.poll(F.at(13), [F.down("hung.example", since: F.at(12))])) == ["post failure-1"])
        // `!fed reset`: the row reads healthy, nothing was delivered.
        #expect(run.poll(F.at(20), [], cleared: [Self.cleared("hung.example")]).isEmpty)
        #expect(run.state.incidents["hung.example"]?.clearedAt == F.at(20))
        #expect(run.poll(F.at(20, seconds: 30), [], cleared: [Self.cleared("hung.example")]).isEmpty)
        // The request in flight timed out: the old failure is back. Same incident, nothing to say.
        #expect(run.poll(F.at(21), [F.down("hung.example", since: F.at(12))]).isEmpty)
        #expect(run.state.incidents["hung.example"]?.clearedAt == nil)
        #expect(run.state.incidents["hung.example"]?.since == F.at(12))
        // Later it comes back for real: a delivery proves it at once.
        let back = run.poll(F.at(40), [], cleared: [Self.cleared("hung.example", delivered: 18)])
        #expect(shape(back) == ["edit failure-1", "thread failure-1"])
        #expect(back[1].reply.plain == "✅ hung.example recovered after 28m")
        #expect(shape(run.log) == ["post failure-1", "edit failure-1", "thread failure-1"])
    }

    @Test func aClearedFailureWithoutDeliveriesIsARecoveryOnceItStaysCleared() {
        var run = WatcherRun()
        run.start()
        run.poll(F.at(13), [F.down("quiet.example", since: F.at(12))])
        #expect(run.poll(F.at(20), [], cleared: [Self.cleared("quiet.example")]).isEmpty)
        #expect(run.poll(F.at(21), [], cleared: [Self.cleared("quiet.example")]).isEmpty)
        // 90 s after it was first seen cleared; the recovery dates from then.
        let confirmed = run.poll(F.at(21, seconds: 30), [], cleared: [Self.cleared("quiet.example")])
        #expect(shape(confirmed) == ["edit failure-1", "thread failure-1"])
        #expect(confirmed[0].headline == "✅ quiet.example recovered after 8m (unreachable 09:12 UTC–09:20 UTC)")
        #expect(run.state.incidents.isEmpty)
    }

    @Test func aDestinationThatNeverWorkedIsConfirmedByItsFirstDelivery() {
        var run = WatcherRun()
        run.start()
        var neverWorked = F.down("new.example", since: F.at(12))
        neverWorked.lastSuccessfulStreamOrdering = nil
        run.poll(F.at(13), [neverWorked])
        #expect(run.poll(F.at(20), [], cleared: [Self.cleared("new.example", delivered: nil)]).isEmpty)
        #expect(
            shape(run.poll(F.at(20, seconds: 10), [], cleared: [Self.cleared("new.example", delivered: 3)])) == [
                "edit failure-1", "thread failure-1",
            ])
    }

    @Test func failingAgainAfterDeliveriesResumedIsANewOutage() {
        // The bot did not see the peer come back and fail again (it was down, or between polls).
        var run = WatcherRun()
        run.start()
        run.poll(F.at(13), [Self.down("flaky.example", since: F.at(12), delivered: 17)])
        let again = run.poll(F.at(60), [Self.down("flaky.example", since: F.at(55), delivered: 30)])
        #expect(shape(again) == ["edit failure-1", "thread failure-1", "post failure-4"])
        #expect(again[2].headline == "⚠️ flaky.example unreachable since 09:55 UTC")
        #expect(run.state.incidents["flaky.example"]?.since == F.at(55))
        // A reset while it is still down gives a new failure_ts but no delivery: the same outage.
        #expect(run.poll(F.at(61), [Self.down("flaky.example", since: F.at(61), delivered: 30)]).isEmpty)
    }

    @Test func anIncidentWaitingForConfirmationIsNotAnnouncedOrReminded() {
        var run = WatcherRun(policy: WatcherPolicy(minFailing: .seconds(300), remindEvery: .seconds(600)))
        run.start()
        run.poll(F.at(13), [F.down("young.example", since: F.at(12))])
        // Old enough to announce at 09:17, but cleared (not yet confirmed) by then: no notice.
        #expect(run.poll(F.at(17), [], cleared: [Self.cleared("young.example")]).isEmpty)
        #expect(run.poll(F.at(18), [], cleared: [Self.cleared("young.example")]).isEmpty)
        #expect(run.poll(F.at(19), [], cleared: [Self.cleared("young.example")]).isEmpty)
        #expect(run.state.incidents.isEmpty)
        #expect(run.log.isEmpty)
    }

    @Test func aDestinationSynapseNoLongerKnowsEndsAtOnce() {
        var run = WatcherRun()
        run.start()
        run.poll(F.at(13), [F.down("gone.example", since: F.at(12))])
        #expect(shape(run.poll(F.at(14), [])) == ["edit failure-1", "thread failure-1"])
    }
}
