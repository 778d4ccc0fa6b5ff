import FedBotModels
import SynapseAdmin
import Testing

/// The steady poll's planning: what it reads after a full scan, on both NULL placements, and when it gives up
/// for a full scan. The "server" below orders rows as Synapse's SQL does (`ORDER BY failure_ts <dir>,
/// destination ASC`, NULLs lowest on SQLite, highest on PostgreSQL) and answers `LIMIT/OFFSET`.
@Suite struct SteadyScanTests {
    struct Table {
        var placement: NullPlacement
        var rows: [String: Int64?]

        func page(_ query: DestinationQuery) -> DestinationPage {
            let descending = query.direction == .backward
            let sorted = rows.sorted { lhs, rhs in
                if lhs.value != rhs.value {
                    // NULL is the lowest value on SQLite, the highest on PostgreSQL.
                    let (l, r) = (lhs.value, rhs.value)
                    let less: Bool =
                        switch (l, r) {
                        case (nil, _): placement == .low
                        case (_, nil): placement == .high
                        case (let l?, let r?): l < r
                        }
                    return descending ? !less : less
                }
                return lhs.key.utf8.lexicographicallyPrecedes(rhs.key.utf8)
            }
            let slice = sorted.dropFirst(query.from).prefix(query.limit)
            let next = query.from + query.limit < rows.count ? String(query.from + slice.count) : nil
            return DestinationPage(
                destinations: slice.map { Destination(destination: $0.key, failureTs: $0.value) }, total: rows.count,
                nextToken: next)
        }

        /// What a full scan would find.
        var index: FailingIndex {
            let failing = rows.compactMap { name, ts in ts.map { Destination(destination: name, failureTs: $0) } }
            return FailingIndex(placement: placement, failing: failing, total: rows.count)
        }

        /// 1,000 destinations, `failing` of them failing one minute apart (newest at 1,000,000 + failing·60,000).
        static func lab(_ placement: NullPlacement, failing: Int = 300) -> Table {
            var rows: [String: Int64?] = [:]
            for i in 0..<1000 {
                rows["d\(i).example"] = i < failing ? 1_000_000 + Int64(i) * 60_000 : nil
            }
            return Table(placement: placement, rows: rows)
        }
    }

    enum Outcome: Equatable {
        case done(Set<String>, requests: Int)
        case fullScan
    }

    func run(_ index: FailingIndex, against table: Table) -> Outcome {
        var plan = SteadyScan(index: index)
        for _ in 0..<100 {
            switch plan.next() {
            case .fetch(let query): plan.absorb(table.page(query), for: query)
            case .done(let next):
                #expect(next.total == table.rows.count)
                return .done(Set(next.rows.map(\.destination)), requests: plan.requests)
            case .fullScan: return .fullScan
            }
        }
        Issue.record("the plan did not end")
        return .fullScan
    }

    static let placements: [NullPlacement] = [.low, .high]

    /// Nothing new: SQLite reads the head and the far end (2 requests), PostgreSQL one page around the end.
    @Test(arguments: placements, [0, 1, 2, 17, 300, 999, 1000])
    func nothingNew(placement: NullPlacement, failing: Int) {
        let table = Table.lab(placement, failing: failing)
        let expected = Set(table.index.rows.map(\.destination))
        let outcome = run(table.index, against: table)
        guard case .done(let names, let requests) = outcome else {
            Issue.record("full scan for an unchanged table")
            return
        }
        #expect(names == expected)
        #expect(requests <= (placement == .low ? 2 : 1))
    }

    /// Changes between two polls, and what the steady poll must make of them.
    @Test(arguments: placements, Change.allCases)
    func changes(placement: NullPlacement, change: Change) {
        let before = Table.lab(placement)
        var after = before
        change.apply(&after)
        let outcome = run(before.index, against: after)
        switch change.expect {
        case .found(let maxRequests):
            guard case .done(let names, let requests) = outcome else {
                Issue.record("\(change): full scan")
                return
            }
            #expect(names == Set(after.index.rows.map(\.destination)), "\(change)")
            #expect(requests <= maxRequests, "\(change): \(requests) requests")
        case .fullScan:
            #expect(outcome == .fullScan, "\(change)")
        case .missed(let maxRequests):
            // The documented blind spot: the steady poll keeps the old rows (the periodic full scan fixes it).
            guard case .done(let names, let requests) = outcome else {
                Issue.record("\(change): full scan")
                return
            }
            #expect(names == Set(before.index.rows.map(\.destination)), "\(change)")
            #expect(requests <= maxRequests)
        }
    }

    enum Change: CaseIterable, Sendable {
        case newFailures, manyNewFailures, failedAgain, failedAgainMany, sameTimestampAsCursor, olderFailure
        case recovered, newestRecovered, oldestRecovered, deleted, healthyAddedAndDeleted
        case recoveredAndOlderFailure

        enum Expect { case found(maxRequests: Int), fullScan, missed(maxRequests: Int) }

        static let cursor: Int64 = 1_000_000 + 299 * 60_000

        var expect: Expect {
            switch self {
            case .newFailures, .failedAgain, .healthyAddedAndDeleted: .found(maxRequests: 2)
            case .manyNewFailures: .found(maxRequests: 4)
            case .failedAgainMany: .found(maxRequests: 2)
            // A failure stamped at or before the cursor, or one that ended, changes the old zone's count.
            case .sameTimestampAsCursor, .olderFailure, .recovered, .newestRecovered, .oldestRecovered, .deleted:
                .fullScan
            // Balanced: the count cannot see it (the periodic full scan does); the edges are unchanged.
            case .recoveredAndOlderFailure: .missed(maxRequests: 2)
            }
        }

        func apply(_ table: inout Table) {
            switch self {
            case .newFailures:
                for i in 300..<303 { table.rows["d\(i).example"] = Self.cursor + Int64(i) }
            case .manyNewFailures:
                for i in 300..<700 { table.rows["d\(i).example"] = Self.cursor + 1 + Int64(i % 7) }
            case .failedAgain:
                table.rows["d5.example"] = Self.cursor + 10
                table.rows["d299.example"] = Self.cursor + 20
            case .failedAgainMany:
                for i in 100..<140 { table.rows["d\(i).example"] = Self.cursor + Int64(i) }
            case .sameTimestampAsCursor: table.rows["d900.example"] = Self.cursor
            case .olderFailure: table.rows["d900.example"] = Self.cursor - 30_000
            case .recovered: table.rows["d150.example"] = .some(nil)
            case .newestRecovered: table.rows["d299.example"] = .some(nil)
            case .oldestRecovered: table.rows["d0.example"] = .some(nil)
            case .deleted: table.rows["d42.example"] = nil
            case .healthyAddedAndDeleted:
                table.rows["d999.example"] = nil
                table.rows["zz.example"] = .some(nil)
            case .recoveredAndOlderFailure:
                table.rows["d150.example"] = .some(nil)
                table.rows["d900.example"] = 1_000_000 + 150 * 60_000 + 1
            }
        }
    }

    /// The result of a steady poll is a valid index: a second steady poll over the same table is steady again.
    @Test(arguments: placements)
    func chained(placement: NullPlacement) {
        var table = Table.lab(placement)
        var index = table.index
        for round in 0..<5 {
            table.rows["new\(round).example"] = Change.cursor + 1_000 * Int64(round + 1)
            table.rows["d\(10 + round).example"] = Change.cursor + 1_000 * Int64(round + 1) + 1  // failed again
            var plan = SteadyScan(index: index)
            var next: FailingIndex?
            for _ in 0..<20 {
                switch plan.next() {
                case .fetch(let query): plan.absorb(table.page(query), for: query)
                case .done(let result): next = result
                case .fullScan: break
                }
                if next != nil { break }
            }
            guard let next else {
                Issue.record("round \(round): full scan")
                return
            }
            #expect(next == table.index, "round \(round)")
            #expect(plan.requests <= 2)
            index = next
        }
    }

    /// Nothing was ever failing (placement unknown): two one-row probes, then a full scan once anything fails.
    @Test func unknownPlacement() {
        let empty = FailingIndex(placement: nil, rows: [], total: 1000)
        for placement in Self.placements {
            var table = Table.lab(placement, failing: 0)
            #expect(run(empty, against: table) == .done([], requests: 2))
            table.rows["d7.example"] = 5
            #expect(run(empty, against: table) == .fullScan)
        }
    }
}
