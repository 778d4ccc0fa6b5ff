public import FedBotModels

/// Every failing destination as the last scan saw them, kept between polls so that the next poll reads
/// only what changed (`SteadyScan`).
///
/// Rows are in the order Synapse lists them with `order_by=failure_ts` in the direction that puts failing
/// rows first (`ORDER BY failure_ts <dir>, destination ASC`): newest failure first where NULLs sort low
/// (SQLite, `dir=b`), oldest first where they sort high (PostgreSQL, `dir=f`).
public struct FailingIndex: Sendable, Equatable {
    /// Where the database sorts NULLs; nil while no failing row has shown it (then nothing was failing).
    public var placement: NullPlacement?
    /// The failing rows, in Synapse's failing-first order.
    public var rows: [Destination]
    /// How many destinations Synapse knew.
    public var total: Int

    public init(placement: NullPlacement?, rows: [Destination], total: Int) {
        self.placement = placement
        self.rows = rows
        self.total = total
    }

    /// From a full scan's rows, in any order: sorted the way Synapse lists them (names by their UTF-8
    /// bytes, as SQLite's BINARY and PostgreSQL's C collation, which Synapse requires, compare them).
    public init(placement: NullPlacement?, failing: [Destination], total: Int) {
        let newestFirst = placement == .low
        let rows = failing.filter { $0.failureTs != nil }.sorted { lhs, rhs in
            let (l, r) = (lhs.failureTs ?? 0, rhs.failureTs ?? 0)
            guard l == r else { return newestFirst ? l > r : l < r }
            return lhs.destination.utf8.lexicographicallyPrecedes(rhs.destination.utf8)
        }
        self.init(placement: placement, rows: rows, total: total)
    }

    /// The newest `failure_ts` seen: a new failure has a newer one. Nil when nothing was failing.
    public var cursor: Int64? { rows.lazy.compactMap(\.failureTs).max() }
}
