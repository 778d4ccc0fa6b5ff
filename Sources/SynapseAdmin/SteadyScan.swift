public import FedBotModels

/// Plans a poll that follows a full failing scan: it reads only the rows newer than the newest failure the
/// index holds, plus the few rows that prove nothing older changed. Pure: the caller fetches what `next()`
/// asks for and hands each page to `absorb(_:for:)`.
///
/// With `order_by=failure_ts` in the failing-first direction, the failing section is `[0, F)` and splits into
/// the *old* zone (`failure_ts` ≤ the cursor: what the index holds) and the *recent* zone (newer: new failures,
/// including servers that recovered and failed again). Where NULLs sort low (SQLite, `dir=b`) the recent zone
/// comes first; where they sort high (PostgreSQL, `dir=f`) it comes last, just before the first healthy row.
/// A steady poll reads the recent zone whole and checks that the old zone still holds exactly the index's rows
/// (less those that failed again) by their count and by every old row it happens to read at its place:
///
/// - SQLite: one page from offset 0 (the recent rows, then the first old ones), and the two rows around the
///   old zone's far end (`n + count − 1`, which must be the index's last row, and `n + count`, which must be
///   healthy). Two requests.
/// - PostgreSQL: one page starting a little (`slack`) before the index's last row: the last old rows, the
///   recent ones, and the first healthy row. One request (more when over `slack` servers failed again, or
///   more than `headroom` failed for the first time).
///
/// Anything else — a row older than the cursor that the index lacks, an old row that recovered or was deleted,
/// an order the index does not predict — answers `.fullScan`. What the count cannot see is a recovery and a
/// late-committed older failure in the same interval; the caller's periodic full scan catches that.
public struct SteadyScan: Sendable {
    public enum Step: Sendable, Equatable {
        /// Fetch this page and `absorb` it.
        case fetch(DestinationQuery)
        /// Every failing row now, and the new index.
        case done(FailingIndex)
        /// The index cannot be trusted: scan everything.
        case fullScan(reason: String)
    }

    public let index: FailingIndex
    /// Rows asked for beyond those expected: room for new failures without another request.
    let headroom: Int
    /// PostgreSQL: rows before the index's last one in the first page, so that a few servers failing again
    /// (leaving the old zone) do not cost a request.
    let slack: Int
    /// The largest page.
    let pageSize: Int
    let cursor: Int64?
    /// Rows seen, by offset in the failing-first order.
    private var seen: [Int: Destination] = [:]
    /// The first offset past the last row, once a short page showed it.
    private var end: Int?
    private var total: Int?
    private var lastLimit = 0
    /// Without a known placement: whether each direction's one-row probe found a failing row.
    private var probes: [SortDirection: Bool] = [:]
    public private(set) var requests = 0

    public init(index: FailingIndex, headroom: Int = 50, slack: Int = 16, pageSize: Int = 5000) {
        self.index = index
        self.headroom = max(1, headroom)
        self.slack = max(0, slack)
        self.pageSize = max(1, pageSize)
        self.cursor = index.cursor
    }

    /// Records a page fetched for `query` (which `next()` returned).
    public mutating func absorb(_ page: DestinationPage, for query: DestinationQuery) {
        requests += 1
        total = page.total
        lastLimit = query.limit
        guard index.placement != nil else {
            probes[query.direction] = page.destinations.first?.failureTs != nil
            return
        }
        for (position, row) in page.destinations.enumerated() { seen[query.from + position] = row }
        if page.destinations.count < query.limit { end = min(end ?? .max, query.from + page.destinations.count) }
    }

    /// The next request, or the outcome.
    public mutating func next() -> Step {
        switch index.placement {
        case nil: nothingFailing()
        case .low: newestFirst()
        case .high: newestLast()
        }
    }

    // MARK: - Plans

    /// No placement known because nothing was failing: a one-row probe each way shows whether that holds.
    private func nothingFailing() -> Step {
        for direction in [SortDirection.backward, .forward] where probes[direction] == nil {
            return .fetch(DestinationQuery(limit: 1, orderBy: .failureTs, direction: direction))
        }
        if probes.values.contains(true) { return .fullScan(reason: "destinations started failing") }
        return done([])
    }

    /// SQLite: `[recent… | old… | healthy…]`.
    private func newestFirst() -> Step {
        var offset = 0
        while kind(offset) == .recent { offset += 1 }
        guard let boundary = kind(offset) else {
            return fetch(from: offset, limit: offset == 0 ? headroom : grown)
        }
        let recent = rows(0..<offset)
        let expected = expected(without: recent)
        guard let first = expected.first, let last = expected.last else {
            return boundary == .healthy ? done(recent) : .fullScan(reason: "an older failure appeared")
        }
        guard boundary == .old, matches(seen[offset], first) else {
            return .fullScan(reason: "the newest old failure changed")
        }
        let farEnd = offset + expected.count
        if kind(farEnd - 1) == nil || kind(farEnd) == nil {
            let from = kind(farEnd - 1) == nil ? farEnd - 1 : farEnd
            return fetch(from: from, limit: farEnd + 1 - from)
        }
        guard matches(seen[farEnd - 1], last), kind(farEnd) == .healthy, oldRowsMatch(expected, from: offset)
        else { return .fullScan(reason: "failing rows older than the last poll changed") }
        return done(recent + expected)
    }

    /// PostgreSQL: `[old… | recent… | healthy…]`.
    private func newestLast() -> Step {
        let start = max(0, index.rows.count - 1 - slack)
        guard kind(start) != nil else {
            return fetch(from: start, limit: index.rows.count - start + headroom)
        }
        // Down to the last old row: more servers than `slack` that failed again put recent rows before `start`.
        var low = start
        while low > 0, kind(low - 1) != nil { low -= 1 }
        switch kind(low) {
        case .recent? where low > 0:
            let from = max(0, low - grown)
            return fetch(from: from, limit: low - from)
        case .healthy? where low > 0:
            return .fullScan(reason: "failing rows older than the last poll ended")
        default: break
        }
        var offset = low
        while kind(offset) == .old { offset += 1 }
        let boundary = offset
        while kind(offset) == .recent { offset += 1 }
        guard let after = kind(offset) else { return fetch(from: offset, limit: grown) }
        guard after == .healthy else { return .fullScan(reason: "an older failure appeared") }
        let recent = rows(boundary..<offset)
        let expected = expected(without: recent)
        guard boundary == expected.count, oldRowsMatch(expected, from: 0) else {
            return .fullScan(reason: "failing rows older than the last poll changed")
        }
        return done(expected + recent)
    }

    // MARK: - Helpers

    private enum Kind { case old, recent, healthy }

    /// What sits at `offset`, nil when not seen yet.
    private func kind(_ offset: Int) -> Kind? {
        guard let row = seen[offset] else {
            // Past the last row (a short page, or the table's size): the end of the list counts as healthy.
            if let end, offset >= end { return .healthy }
            if let total, offset >= total { return .healthy }
            return nil
        }
        guard let failureTs = row.failureTs else { return .healthy }
        if let cursor, failureTs <= cursor { return .old }
        return .recent
    }

    private func rows(_ range: Range<Int>) -> [Destination] { range.compactMap { seen[$0] } }

    /// The index's rows less those in the recent zone (they failed again since).
    private func expected(without recent: [Destination]) -> [Destination] {
        guard !recent.isEmpty else { return index.rows }
        let names = Set(recent.map(\.destination))
        return index.rows.filter { !names.contains($0.destination) }
    }

    private func matches(_ row: Destination?, _ expected: Destination) -> Bool {
        row?.destination == expected.destination && row?.failureTs == expected.failureTs
    }

    /// Every old row seen sits where the index says it does (the old zone starts at `from`).
    private func oldRowsMatch(_ expected: [Destination], from: Int) -> Bool {
        seen.allSatisfy { offset, row in
            guard let failureTs = row.failureTs, let cursor, failureTs <= cursor else { return true }
            let position = offset - from
            return expected.indices.contains(position) && matches(row, expected[position])
        }
    }

    private var grown: Int { min(pageSize, max(headroom, lastLimit * 4)) }

    private func fetch(from: Int, limit: Int) -> Step {
        let direction = (index.placement ?? .low).failingFirst
        return .fetch(DestinationQuery(from: from, limit: max(1, limit), orderBy: .failureTs, direction: direction))
    }

    private func done(_ rows: [Destination]) -> Step {
        .done(FailingIndex(placement: index.placement, rows: rows, total: total ?? index.total))
    }
}
