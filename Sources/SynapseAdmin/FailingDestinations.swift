public import FedBotModels
import Synchronization

extension NullPlacement {
    /// The `dir` for `order_by=failure_ts` that puts non-NULL (failing) rows first.
    var failingFirst: SortDirection { self == .low ? .backward : .forward }

    var flipped: NullPlacement { self == .low ? .high : .low }
}

/// The failing destinations, found without downloading the healthy ones.
public struct FailingScan: Sendable {
    /// Every destination with a recorded failure, oldest failure first (ties by name).
    public var failing: [Destination]
    /// How many destinations Synapse knows in all.
    public var total: Int
    /// Requests made for this scan.
    public var requests: Int
    /// The NULL placement seen, when the data showed it.
    public var placement: NullPlacement?
}

extension SynapseAdminClient {
    /// Finds every failing destination: sorts by `failure_ts` in the direction that puts NULLs last on this
    /// database, pages until the first healthy row, and never walks the healthy rows.
    ///
    /// The NULL placement is learnt from the data and remembered; whenever a scan starts with a healthy row,
    /// a one-row probe in the other direction checks that nothing failing was missed (and flips the
    /// remembered placement if the database says otherwise).
    ///
    /// - Parameters:
    ///   - expected: how many failing rows the caller expects, to size the first page (a small first page
    ///     wastes little when nothing fails); by default the count this client's last scan found.
    ///   - pageSize: the largest page to ask for.
    public func failingDestinations(expected: Int? = nil, pageSize: Int = 5000) async throws(SynapseAdminError)
        -> FailingScan
    {
        var requests = 0
        let expected = expected ?? lastFailingCount.withLock { $0 }
        let firstLimit = min(max(pageSize, 1), max(50, expected + expected / 4 + 10))
        let known = placement.withLock { $0 }
        var current = known ?? .high
        if known == nil {
            // One-row probe first: cheap, and tells the placement when anything is failing.
            let probe = try await destinations(
                DestinationQuery(limit: 1, orderBy: .failureTs, direction: current.failingFirst))
            requests += 1
            guard let first = probe.destinations.first else {
                return FailingScan(failing: [], total: probe.total, requests: requests, placement: nil)
            }
            if first.failureTs == nil { current = current.flipped }
        }
        var attemptedFlip = false
        while true {
            var found: [String: Destination] = [:]
            var offset = 0
            var limit = firstLimit
            var total = 0
            var firstRowHealthy = false
            pages: while true {
                let page = try await destinations(
                    DestinationQuery(from: offset, limit: limit, orderBy: .failureTs, direction: current.failingFirst))
                requests += 1
                total = page.total
                for (index, row) in page.destinations.enumerated() {
                    guard row.failureTs != nil else {
                        if offset == 0 && index == 0 { firstRowHealthy = true }
                        break pages
                    }
                    found[row.destination] = row
                }
                guard let next = DestinationWalk.Iterator.offset(after: offset, page: page) else { break }
                offset = next
                // Grow geometrically: a page past the last failing row is downloaded in full.
                limit = min(max(1, pageSize), limit * 4)
            }
            if firstRowHealthy && !attemptedFlip {
                // Nothing failing, or the placement is not what we thought: ask the other end.
                attemptedFlip = true
                let probe = try await destinations(
                    DestinationQuery(limit: 1, orderBy: .failureTs, direction: current.flipped.failingFirst))
                requests += 1
                if probe.destinations.first?.failureTs != nil {
                    current = current.flipped
                    continue
                }
                lastFailingCount.withLock { $0 = 0 }
                return FailingScan(failing: [], total: total, requests: requests, placement: known)
            }
            if !found.isEmpty {
                // Failing rows came first in this direction. (If every row is failing both directions work;
                // should healthy rows appear later, the first-row check above corrects the placement.)
                placement.withLock { $0 = current }
            }
            let failing = found.values.sorted { lhs, rhs in
                let (l, r) = (lhs.failureTs ?? 0, rhs.failureTs ?? 0)
                return l != r ? l < r : lhs.destination.utf8.lexicographicallyPrecedes(rhs.destination.utf8)
            }
            lastFailingCount.withLock { $0 = failing.count }
            return FailingScan(failing: failing, total: total, requests: requests, placement: placement.withLock { $0 })
        }
    }

    /// The NULL placement learnt so far (nil until a scan has seen failing rows).
    public var learntNullPlacement: NullPlacement? { placement.withLock { $0 } }
}
