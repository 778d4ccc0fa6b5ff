import FedBotLab
import FedBotModels
import Foundation
import SynapseAdmin
import Testing

/// The watcher's steady read (`failingDestinations(after:)`) against real Synapse on both backends: its
/// orderings hold (newest failures first with `dir=b` on SQLite, last in the failing section with `dir=f` on
/// PostgreSQL), it finds failures added between polls at 3,000 failing, and a poll with nothing new costs at
/// most 2 requests.
///
/// Failures are added with SQL while Synapse runs: the destination list reads the table directly (no cache:
/// `get_destinations_paginate`), and only names Synapse never looked up are inserted or changed.
@Suite("Steady watcher read against real Synapse", .serialized)
struct SteadyPollTests {
    static let columns = "destination, retry_last_ts, retry_interval, failure_ts, last_successful_stream_ordering"

    @Test(
        "new failures between polls are found in ≤ 2 requests; older changes fall back to a full scan",
        arguments: LabDatabase.allCases)
    func steadyRead(db: LabDatabase) async throws {
        try await Lab.with(LabOptions(db: db, synthetic: 10_000, syntheticFailing: 3_000)) { lab in
            let clients = LabClients(lab: lab, token: lab.info.users.admin.accessToken)
            let admin = clients.admin
            let full = try await admin.failingDestinations(after: nil)
            #expect(full.fullScanReason != nil)
            #expect(full.index.rows.count == 3_000)
            #expect(full.index.placement == (db == .sqlite ? .low : .high))

            // Nothing new: at most 2 small requests, nothing missed.
            var before = clients.transport.bytes
            let steady = try await admin.failingDestinations(after: full.index)
            #expect(steady.fullScanReason == nil)
            #expect(steady.requests <= 2)
            #expect(clients.transport.bytes - before < 100_000)
            #expect(steady.index == full.index)

            // New failures stamped now, one server that failed again (a newer failure_ts), and one new failure
            // stamped exactly at the cursor: the steady read finds the newer ones; the one at the cursor sits among
            // the old rows and makes it scan everything.
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let cursor = try #require(full.index.cursor)
            let values = (0..<5).map { "('later-\($0).example', \(now + Int64($0)), 600000, \(now + Int64($0)), NULL)" }
            _ = try await lab.sql("INSERT INTO destinations (\(Self.columns)) VALUES \(values.joined(separator: ", "))")
            let again = try #require(lab.info.synthetic?.failingNames.last)
            _ = try await lab.sql("UPDATE destinations SET failure_ts = \(now + 10) WHERE destination = '\(again)'")
            let found = try await admin.failingDestinations(after: steady.index)
            #expect(found.fullScanReason == nil)
            #expect(found.requests <= 2)
            let names = Set(found.index.rows.map(\.destination))
            #expect(found.index.rows.count == 3_005)
            #expect((0..<5).allSatisfy { names.contains("later-\($0).example") })
            #expect(found.index.rows.first { $0.destination == again }?.failureTs == now + 10)
            // The orderings it relies on, read directly: the newest failure first with dir=b on SQLite, last of the
            // failing section with dir=f on PostgreSQL (NULLs sort low on one, high on the other).
            let newest = try await admin.destinations(
                DestinationQuery(
                    from: db == .sqlite ? 0 : 3_003, limit: 3, orderBy: .failureTs,
                    direction: db == .sqlite ? .backward : .forward))
            let rows = newest.destinations
            if db == .sqlite {
                #expect(rows.prefix(2).map(\.destination) == [again, "later-4.example"])
            } else {
                #expect(rows.prefix(2).map(\.destination) == ["later-4.example", again])
                #expect(rows.count == 3 && rows[2].failureTs == nil)
            }

            _ = try await lab.sql(
                "INSERT INTO destinations (\(Self.columns)) VALUES ('tied.example', \(cursor), 600000, \(cursor), NULL)"
            )
            let tied = try await admin.failingDestinations(after: found.index)
            #expect(tied.fullScanReason != nil)
            #expect(tied.index.rows.contains { $0.destination == "tied.example" })
            #expect(tied.index.rows.count == 3_006)

            // A long-dead server recovers: the count changes, so the poll reads everything and drops it.
            let recovered = try #require(lab.info.synthetic?.failingNames.first)
            _ = try await lab.sql(
                "UPDATE destinations SET failure_ts = NULL, retry_last_ts = 0, retry_interval = 0 WHERE destination = '\(recovered)'"
            )
            let after = try await admin.failingDestinations(after: tied.index)
            #expect(after.fullScanReason != nil)
            #expect(!after.index.rows.contains { $0.destination == recovered })
            #expect(after.index.rows.count == 3_005)

            // Steady again afterwards.
            before = clients.transport.bytes
            let last = try await admin.failingDestinations(after: after.index)
            #expect(last.fullScanReason == nil)
            #expect(last.requests <= 2)
            #expect(clients.transport.bytes - before < 100_000)
            #expect(last.index == after.index)
        }
    }
}
