import FedBotModels
import Foundation
import MatrixClient
import SynapseAdmin
import Testing

@Suite struct DestinationHealthTests {
    /// 2026-11-24 11:25:00 UTC.
    let now = Timestamp(milliseconds: 1_795_519_500_000)
    let minute: Int64 = 60_000

    @Test func neverFailedIsHealthy() {
        let row = Destination(destination: "example.org", lastSuccessfulStreamOrdering: 42)
        #expect(row.health(at: now) == .healthy)
        #expect(row.health(at: now).failingSince == nil)
        #expect(!row.isFailing)
        #expect(!row.neverWorked)
    }

    @Test func implausibleNumbersFromTheServerDoNotTrap() {
        // Synapse does not bound these columns: a row written by hand can hold anything.
        let row = Destination(
            destination: "odd.example", retryLastTs: .max - 1, retryInterval: .max, failureTs: .min,
            lastSuccessfulStreamOrdering: .max)
        #expect(
            row.health(at: now)
                == .failing(
                    since: Timestamp(milliseconds: .min), retryInterval: .milliseconds(Int64.max),
                    nextRetry: Timestamp(milliseconds: .max)))
    }

    @Test func failingWhileTheBackoffIsInForce() {
        // First failure 2h 13m ago, last attempt 6m ago with a 10 minute backoff: next retry in 4m.
        let row = Destination(
            destination: "dead.example", retryLastTs: now.milliseconds - 6 * minute, retryInterval: 10 * minute,
            failureTs: now.milliseconds - 133 * minute, lastSuccessfulStreamOrdering: 7)
        #expect(
            row.health(at: now)
                == .failing(
                    since: Timestamp(milliseconds: now.milliseconds - 133 * minute), retryInterval: .seconds(600),
                    nextRetry: Timestamp(milliseconds: now.milliseconds + 4 * minute)))
        #expect(row.health(at: now).failingSince == Timestamp(milliseconds: now.milliseconds - 133 * minute))
        #expect(row.isFailing)
    }

    @Test func recoveringOnceTheBackoffIsOver() {
        let row = Destination(
            destination: "dead.example", retryLastTs: now.milliseconds - 11 * minute, retryInterval: 10 * minute,
            failureTs: now.milliseconds - 133 * minute)
        #expect(
            row.health(at: now)
                == .recovering(
                    since: Timestamp(milliseconds: now.milliseconds - 133 * minute), retryInterval: .seconds(600)))
        #expect(row.neverWorked)
    }

    @Test func theBackoffEndsExactlyAtTheNextRetry() {
        let row = Destination(
            destination: "dead.example", retryLastTs: now.milliseconds - 10 * minute, retryInterval: 10 * minute,
            failureTs: now.milliseconds - 10 * minute)
        #expect(row.health(at: Timestamp(milliseconds: now.milliseconds - 1)).isFailingState)
        #expect(!row.health(at: now).isFailingState)
        #expect(row.health(at: now).failingSince != nil)
    }

    @Test func failureWithoutRetryTimingIsRecovering() {
        // A reset undone by a timed-out request, or a row written by hand: a failure with no backoff.
        let row = Destination(
            destination: "dead.example", retryLastTs: 0, retryInterval: 0, failureTs: now.milliseconds - minute)
        #expect(
            row.health(at: now)
                == .recovering(since: Timestamp(milliseconds: now.milliseconds - minute), retryInterval: .zero))
    }

    @Test func theShowQuirkRowIsHealthy() throws {
        // `GET …/destinations/{d}` prints this whenever retry_last_ts is 0 or NULL, whatever the row holds.
        let row = try decode(
            Destination.self,
            #"{"destination":"example.org","retry_last_ts":0,"retry_interval":0,"failure_ts":null,"last_successful_stream_ordering":null}"#
        )
        #expect(row == Destination(destination: "example.org"))
        #expect(row.health(at: now) == .healthy)
        #expect(row.neverWorked)
    }

    // MARK: Decoding what Synapse prints

    @Test func decodesAListPageWithNextToken() throws {
        let page = try decode(
            DestinationPage.self,
            #"""
            {"destinations":[
              {"destination":"dead.example","retry_last_ts":1795519140000,"retry_interval":600000,
               "failure_ts":1795511520000,"last_successful_stream_ordering":1234},
              {"destination":"matrix.org","retry_last_ts":0,"retry_interval":0,"failure_ts":null,
               "last_successful_stream_ordering":98765},
              {"destination":"[::1]:8448","retry_last_ts":0,"retry_interval":0,"failure_ts":null,
               "last_successful_stream_ordering":null}
            ],"total":250,"next_token":"3"}
            """#)
        #expect(page.total == 250)
        #expect(page.nextToken == "3")
        #expect(
            page.destinations == [
                Destination(
                    destination: "dead.example", retryLastTs: 1_795_519_140_000, retryInterval: 600_000,
                    failureTs: 1_795_511_520_000, lastSuccessfulStreamOrdering: 1234),
                Destination(destination: "matrix.org", lastSuccessfulStreamOrdering: 98765),
                Destination(destination: "[::1]:8448"),
            ])
        #expect(page.destinations[0].health(at: now).isFailingState)
    }

    @Test func decodesTheLastPageWithoutNextToken() throws {
        let page = try decode(DestinationPage.self, #"{"destinations":[],"total":0}"#)
        #expect(page.destinations.isEmpty)
        #expect(page.total == 0)
        #expect(page.nextToken == nil)
    }

    @Test(
        arguments: [
            (#""next_token":"100""#, "100"),
            (#""next_token":100"#, "100"),
            (#""next_token":null"#, nil),
            (#""next_token":"0""#, "0"),
        ] as [(String, String?)])
    func nextTokenShapes(field: String, token: String?) throws {
        let page = try decode(DestinationPage.self, #"{"destinations":[],"total":5,"# + field + "}")
        #expect(page.nextToken == token)
        let rooms = try decode(DestinationRoomsPage.self, #"{"rooms":[],"total":5,"# + field + "}")
        #expect(rooms.nextToken == token)
    }

    @Test func nullOrMissingRetryFieldsReadAsZero() throws {
        // The API prints `r or 0`; older servers and other implementations may print null or leave them out.
        let nulls = try decode(
            Destination.self,
            #"{"destination":"a.example","retry_last_ts":null,"retry_interval":null,"failure_ts":null}"#)
        #expect(nulls == Destination(destination: "a.example"))
        let missing = try decode(Destination.self, #"{"destination":"b.example","extra":"ignored"}"#)
        #expect(missing == Destination(destination: "b.example"))
    }

    @Test func refusesRowsWithoutAName() {
        #expect(throws: DecodingError.self) {
            try decode(Destination.self, #"{"retry_last_ts":0,"retry_interval":0}"#)
        }
        #expect(throws: DecodingError.self) {
            try decode(Destination.self, #"{"destination":null}"#)
        }
        #expect(throws: DecodingError.self) {
            try decode(DestinationPage.self, #"{"destinations":[{"destination":"a"}]}"#)
        }
    }

    @Test func decodesSharedRoomsAndRoomDetails() throws {
        let page = try decode(
            DestinationRoomsPage.self,
            #"{"rooms":[{"room_id":"!a:example.org","stream_ordering":12},{"room_id":"!v12room"}],"total":3,"next_token":"2"}"#
        )
        #expect(
            page.rooms == [
                DestinationRoom(roomID: "!a:example.org", streamOrdering: 12), DestinationRoom(roomID: "!v12room"),
            ])
        #expect(page.total == 3)
        #expect(page.nextToken == "2")
        let details = try decode(
            RoomDetails.self,
            #"""
            {"room_id":"!a:example.org","name":"Ops","canonical_alias":"#ops:example.org","joined_members":12,
             "joined_local_members":3,"version":"10","creator":"@alice:example.org","public":false,
             "encryption":null,"state_events":40,"room_type":null}
            """#)
        #expect(
            details
                == RoomDetails(
                    roomID: "!a:example.org", name: "Ops", canonicalAlias: "#ops:example.org", joinedMembers: 12,
                    joinedLocalMembers: 3, isPublic: false, encryption: nil))
        let bare = try decode(RoomDetails.self, #"{"room_id":"!b:example.org","name":null,"canonical_alias":null}"#)
        #expect(bare == RoomDetails(roomID: "!b:example.org"))
    }

    private func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }
}

extension DestinationHealth {
    fileprivate var isFailingState: Bool {
        if case .failing = self { return true }
        return false
    }
}

/// Timestamps meet durations that people type and times that servers send: arithmetic saturates.
@Suite struct TimestampArithmeticTests {
    @Test func saturatesInsteadOfTrapping() {
        let now = Timestamp(milliseconds: 1_795_519_500_000)
        #expect((now + .milliseconds(Int64.max)).milliseconds == .max)
        #expect((now - .milliseconds(Int64.max)).milliseconds == 1_795_519_500_000 - Int64.max)
        #expect((Timestamp(milliseconds: .min + 5) - .seconds(1)).milliseconds == .min)
        #expect((now + .seconds(Int64.max)).milliseconds == .max)
        #expect((Timestamp(milliseconds: -5) + .seconds(Int64.min)).milliseconds == .min)
        #expect(Timestamp(milliseconds: .max) - Timestamp(milliseconds: -1) == .milliseconds(Int64.max))
        #expect(Timestamp(milliseconds: .min) - Timestamp(milliseconds: 1) == .milliseconds(Int64.min))
        #expect(now + .seconds(90) == Timestamp(milliseconds: 1_795_519_590_000))
        #expect(now - Timestamp(milliseconds: 1_795_519_499_500) == .milliseconds(500))
    }
}
