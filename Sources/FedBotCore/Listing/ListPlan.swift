public import FedBotModels

/// Decides which rows a `list` page shows, from the failing destinations (found by the failing-first scan)
/// and, when the page reaches into the healthy ones, one window of the name- or otherwise-sorted list.
///
/// The views:
/// - default, `--sort failure`, `--sort retry`: failing first (sorted by that key), then healthy by name;
/// - `--sort name`, `--sort last-success`: every row in Synapse's order for that column.
///
/// Healthy rows on a page are found by fetching Synapse's sorted list from the page's healthy offset,
/// `limit + failing` rows long, and dropping failing rows: each healthy row's rank is its position minus
/// the failing rows that sort before it, which the plan can count because it knows them all.
public struct ListPlan: Sendable {
    public let options: ListOptions
    /// Failing destinations that match the TEXT filter.
    public let failing: [Destination]
    /// Destinations that match the TEXT filter, failing or not.
    public let total: Int
    /// How the database sorts NULLs (known whenever anything is failing).
    public let placement: NullPlacement?

    public init(options: ListOptions, failing: [Destination], total: Int, placement: NullPlacement?) {
        self.options = options
        self.failing = failing
        self.total = max(total, failing.count)
        self.placement = placement
    }

    /// Rows in this view, over all pages.
    public var matching: Int {
        switch options.filter {
        case .all: total
        case .failing: failing.count
        case .healthy: total - failing.count
        }
    }

    /// The query for the rows this page needs from Synapse, or nil when the failing rows are enough.
    public var window: DestinationQuery? { window(extra: failing.count) }

    /// The first part of the window: `extra` rows beyond the page's size instead of one per failing
    /// destination (failing rows are usually far fewer within one page's stretch of names). When
    /// `rows(window:)` then comes up short, fetch on from where the window ended (`isComplete`).
    public func window(extra: Int) -> DestinationQuery? {
        let extra = max(0, min(extra, failing.count))
        let range = pageRange
        guard !range.isEmpty else { return nil }
        switch (options.filter, serverOrder) {
        case (.failing, _):
            return nil
        case (.all, .some(let order)):
            // Synapse's own order over every row: the page is a plain slice.
            return DestinationQuery(
                from: range.lowerBound, limit: range.count, nameContains: options.text, orderBy: order.column,
                direction: order.direction)
        case (.all, .none):
            // Failing first: only the part of the page past the failing rows comes from Synapse.
            let healthyStart = max(0, range.lowerBound - failing.count)
            let healthyEnd = range.upperBound - failing.count
            guard healthyEnd > 0 else { return nil }
            return healthyWindow(healthyStart..<healthyEnd, order: nameOrder, extra: extra)
        case (.healthy, let order):
            return healthyWindow(range, order: order ?? nameOrder, extra: extra)
        }
    }

    /// Whether `rows` fill this page (or all there is of it).
    public func isComplete(_ rows: [Destination]) -> Bool {
        rows.count >= pageRange.count
    }

    /// The most rows a window can need: the page plus every failing row.
    public var maximumWindow: Int { pageRange.count + failing.count }

    /// The rows of this page, given the answer to `window` (nil when `window` was nil).
    public func rows(window page: [Destination]?) -> [Destination] {
        let range = pageRange
        guard !range.isEmpty else { return [] }
        switch (options.filter, serverOrder) {
        case (.failing, let order):
            return slice(sortedFailing(order), range)
        case (.all, .some):
            return page ?? []
        case (.all, .none):
            let failingPart = slice(sortedFailing(nil), range)
            let healthyStart = max(0, range.lowerBound - failing.count)
            let healthyEnd = range.upperBound - failing.count
            guard healthyEnd > 0 else { return failingPart }
            return failingPart + healthyRows(page ?? [], healthyStart..<healthyEnd, order: nameOrder)
        case (.healthy, let order):
            return healthyRows(page ?? [], range, order: order ?? nameOrder)
        }
    }

    /// Offsets of this page within the view.
    public var pageRange: Range<Int> {
        let start = min(options.paging.offset, matching)
        let end = min(start + options.paging.limit, matching)
        return start..<end
    }

    // MARK: Orders

    struct ServerOrder {
        var column: DestinationOrder
        var direction: SortDirection
    }

    /// Synapse's order for the view, when the view is in Synapse's order (`--sort name|last-success`).
    var serverOrder: ServerOrder? {
        let direction: SortDirection = options.descending ? .backward : .forward
        switch options.sort {
        case .name: return ServerOrder(column: .destination, direction: direction)
        case .lastSuccess: return ServerOrder(column: .lastSuccessfulStreamOrdering, direction: direction)
        case .failure, .retry, .none: return nil
        }
    }

    var nameOrder: ServerOrder {
        ServerOrder(column: .destination, direction: options.descending ? .backward : .forward)
    }

    /// The failing rows in the order of the view's failing part.
    func sortedFailing(_ order: ServerOrder?) -> [Destination] {
        if let order {
            return failing.sorted { precedes($0, $1, in: order) }
        }
        let key: (Destination) -> Int64
        switch options.sort {
        case .retry: key = { $0.retryInterval }
        default: key = { $0.failureTs ?? 0 }
        }
        let ascending = failing.sorted { lhs, rhs in
            key(lhs) != key(rhs) ? key(lhs) < key(rhs) : byteOrder(lhs.destination, rhs.destination)
        }
        return options.descending ? ascending.reversed() : ascending
    }

    /// Synapse's `ORDER BY column dir, destination ASC`, with NULLs where this database puts them.
    func precedes(_ lhs: Destination, _ rhs: Destination, in order: ServerOrder) -> Bool {
        switch order.column {
        case .destination:
            return order.direction == .forward
                ? byteOrder(lhs.destination, rhs.destination) : byteOrder(rhs.destination, lhs.destination)
        default:
            let (l, r) = (value(lhs, order.column), value(rhs, order.column))
            if l != r {
                let nullsHigh = (placement ?? .high) == .high
                let ascending: Bool
                switch (l, r) {
                case (nil, _): ascending = !nullsHigh
                case (_, nil): ascending = nullsHigh
                case (let a?, let b?): ascending = a < b
                }
                return order.direction == .forward ? ascending : !ascending
            }
            return byteOrder(lhs.destination, rhs.destination)
        }
    }

    func value(_ row: Destination, _ column: DestinationOrder) -> Int64? {
        switch column {
        case .destination: nil
        case .failureTs: row.failureTs
        case .retryInterval: row.retryInterval
        case .retryLastTs: row.retryLastTs
        case .lastSuccessfulStreamOrdering: row.lastSuccessfulStreamOrdering
        }
    }

    // MARK: Healthy windows

    /// Healthy ranks `range` sit at positions `range.lowerBound…range.upperBound + failing.count` at most.
    func healthyWindow(_ range: Range<Int>, order: ServerOrder, extra: Int) -> DestinationQuery {
        DestinationQuery(
            from: range.lowerBound, limit: range.count + extra, nameContains: options.text,
            orderBy: order.column, direction: order.direction)
    }

    /// Picks healthy ranks `range` out of a window fetched from position `range.lowerBound`.
    func healthyRows(_ page: [Destination], _ range: Range<Int>, order: ServerOrder) -> [Destination] {
        let failingNames = Set(failing.map(\.destination))
        let sortedFailing = failing.sorted { precedes($0, $1, in: order) }
        var rows: [Destination] = []
        var failingBefore = 0
        for (index, row) in page.enumerated() {
            if failingNames.contains(row.destination) || row.failureTs != nil { continue }
            while failingBefore < sortedFailing.count, precedes(sortedFailing[failingBefore], row, in: order) {
                failingBefore += 1
            }
            let rank = range.lowerBound + index - failingBefore
            if range.contains(rank) { rows.append(row) }
        }
        return rows
    }

    func slice(_ rows: [Destination], _ range: Range<Int>) -> [Destination] {
        let lower = min(range.lowerBound, rows.count)
        let upper = min(range.upperBound, rows.count)
        return Array(rows[lower..<upper])
    }
}

/// Byte order of names: the order of Synapse's `ORDER BY destination` (SQLite BINARY, PostgreSQL C collation).
func byteOrder(_ lhs: String, _ rhs: String) -> Bool {
    lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
}

/// Case-insensitive substring match, as Synapse's `LOWER(destination) LIKE '%text%'` for ASCII text.
public func nameMatches(_ name: String, _ text: String?) -> Bool {
    guard let text, !text.isEmpty else { return true }
    return name.lowercased().contains(text.lowercased())
}
