import FedBotCore
import FedBotModels
import Foundation
import Testing

/// The rules the services follow, pure: which timeline events count, who created a room, what a failed
/// re-check means.
@Suite struct TimelineRulesTests {
    let me = userID("@fedbot:example.org")
    let now: Int64 = 1_796_430_000_000

    func message(_ id: String, ts: Int64 = 1_796_429_990_000) -> ClientEvent {
        ClientEvent(
            type: "m.room.message", eventID: id, sender: "@alice:example.org", originServerTs: ts,
            content: .object(["msgtype": .string("m.text"), "body": .string("!fed list")]))
    }

    func member(_ membership: String, previous: String? = nil) -> ClientEvent {
        ClientEvent(
            type: "m.room.member", eventID: "$join", sender: me.rawValue, originServerTs: now,
            content: .object(["membership": .string(membership)]), stateKey: me.rawValue,
            unsigned: previous.map { .object(["prev_content": .object(["membership": .string($0)])]) })
    }

    @Test("what was said before the bot joined is not a command, and no gap is fetched")
    func cutAtTheJoin() {
        let plan = TimelineRules.plan(
            [message("$before"), member("join"), message("$after")], limited: true, prevBatch: "t1",
            isAdminRoom: true, me: me, now: now, maxAge: .seconds(600))
        #expect(plan.events.compactMap(\.eventID) == ["$after"])
        #expect(plan.backfill == nil)
    }

    @Test("a display-name change is not a join: nothing is cut")
    func profileChangeIsNoJoin() {
        let plan = TimelineRules.plan(
            [message("$before"), member("join", previous: "join"), message("$after")], limited: false,
            prevBatch: nil, isAdminRoom: true, me: me, now: now, maxAge: .seconds(600))
        #expect(plan.events.compactMap(\.eventID) == ["$before", "$join", "$after"])
    }

    @Test("a limited timeline in an admin room is filled back as far as max_command_age reaches")
    func backfillWindow() {
        let plan = TimelineRules.plan(
            [message("$a")], limited: true, prevBatch: "t1", isAdminRoom: true, me: me, now: now,
            maxAge: .seconds(600))
        #expect(plan.backfill?.from == "t1")
        #expect(plan.backfill?.since == now - 600_000)
        let elsewhere = TimelineRules.plan(
            [message("$a")], limited: true, prevBatch: "t1", isAdminRoom: false, me: me, now: now,
            maxAge: .seconds(600))
        #expect(elsewhere.backfill == nil)
    }

    @Test("backfill pages stop at the window, at the end of history, and at an empty page")
    func backfillPaging() {
        let since = now - 600_000
        #expect(TimelineRules.nextBackfillToken(chunk: [message("$a", ts: since + 1)], end: "t2", since: since) == "t2")
        #expect(TimelineRules.nextBackfillToken(chunk: [message("$a", ts: since - 1)], end: "t2", since: since) == nil)
        #expect(TimelineRules.nextBackfillToken(chunk: [message("$a", ts: since + 1)], end: nil, since: since) == nil)
        #expect(TimelineRules.nextBackfillToken(chunk: [], end: "t2", since: since) == nil)
    }
}

@Suite struct RoomCreationTests {
    @Test("the creator of a room version 12 room (as Synapse records it) has unlimited power")
    func recordedVersion12Room() throws {
        let body = try Fixture("state-create").body
        let event = try JSONDecoder().decode(ClientEvent.self, from: JSONEncoder().encode(body))
        let creation = RoomCreation(createEvent: event)
        #expect(creation == RoomCreation(creators: [Fixture.Lab.alice], version: "12"))
        let levels = PowerLevels(content: ["users_default": .number(0)])
        #expect(creation.authority(powerLevels: levels).powerLevel(of: Fixture.Lab.alice) == nil)
    }

    @Test("additional creators count; a create event without a version is version 1")
    func additionalCreatorsAndDefaultVersion() {
        let event = ClientEvent(
            type: "m.room.create", eventID: "$c", sender: "@a:example.org", originServerTs: 1,
            content: .object(["additional_creators": .array([.string("@b:example.org"), .string("not a user")])]),
            stateKey: "")
        #expect(
            RoomCreation(createEvent: event)
                == RoomCreation(creators: [userID("@a:example.org"), userID("@b:example.org")], version: "1"))
        #expect(RoomCreation(createEvent: nil) == RoomCreation())
    }
}

@Suite struct WatcherRecheckTests {
    let incident = Incident(
        server: "b.example", since: Timestamp(milliseconds: 1000), detectedAt: Timestamp(milliseconds: 2000))

    @Test("a failed look-up keeps the incident failing since it began: never a false recovery")
    func failedLookUp() {
        let outcome = WatcherMachine.recheck("b.example", incident: incident, answer: .failed)
        #expect(outcome.failing == Destination(destination: "b.example", failureTs: 1000))
        #expect(outcome.cleared == nil)
    }

    @Test("an answer decides: failing stays failing, healthy clears, unknown is neither")
    func answers() {
        let failing = Destination(destination: "b.example", failureTs: 5000)
        let healthy = Destination(destination: "b.example", lastSuccessfulStreamOrdering: 7)
        #expect(
            WatcherMachine.recheck("b.example", incident: incident, answer: .destination(failing)) == (failing, nil))
        #expect(
            WatcherMachine.recheck("b.example", incident: incident, answer: .destination(healthy)) == (nil, healthy))
        #expect(WatcherMachine.recheck("b.example", incident: incident, answer: .unknownDestination) == (nil, nil))
    }
}
