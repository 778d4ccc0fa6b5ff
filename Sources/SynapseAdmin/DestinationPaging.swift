public import FedBotModels
import MatrixClient

/// Walks `GET …/federation/destinations` from the first row to the last by following `next_token`,
/// yielding each destination exactly once.
///
/// Pages are sorted by name (the only indexed order). A row whose name does not sort after the last one
/// yielded is skipped, so rows inserted or deleted by Synapse during the walk never produce a duplicate.
/// Full walks use large pages: every page costs Synapse a `COUNT(*)` over the whole table.
public struct DestinationWalk: AsyncSequence, Sendable {
    public typealias Element = Destination
    public typealias Failure = SynapseAdminError

    let client: SynapseAdminClient
    let pageSize: Int
    let nameContains: String?

    public func makeAsyncIterator() -> Iterator {
        Iterator(walk: self)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let walk: DestinationWalk
        var buffer: [Destination] = []
        var index = 0
        var nextOffset: Int? = 0
        var lastName: String?
        /// Pages fetched so far (for benchmarks and logs).
        public private(set) var pages = 0

        init(walk: DestinationWalk) {
            self.walk = walk
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(SynapseAdminError)
            -> Destination?
        {
            while true {
                while index < buffer.count {
                    let row = buffer[index]
                    index += 1
                    if let lastName, !lastName.utf8.lexicographicallyPrecedes(row.destination.utf8) { continue }
                    lastName = row.destination
                    return row
                }
                guard let offset = nextOffset else { return nil }
                let page = try await walk.client.destinations(
                    DestinationQuery(from: offset, limit: walk.pageSize, nameContains: walk.nameContains))
                pages += 1
                buffer = page.destinations
                index = 0
                nextOffset = Self.offset(after: offset, page: page)
            }
        }

        public mutating func next() async throws(SynapseAdminError) -> Destination? {
            try await next(isolation: nil)
        }

        /// The next offset, or nil at the end. A token that does not move forward ends the walk instead
        /// of looping (Synapse answers `limit=0` with `next_token` equal to `from`).
        static func offset(after offset: Int, page: DestinationPage) -> Int? {
            guard !page.destinations.isEmpty, let token = page.nextToken, let next = Int(token), next > offset else {
                return nil
            }
            return next
        }
    }
}

extension SynapseAdminClient {
    /// Every destination, by name, each exactly once. `pageSize` ≥ 1 (default 5,000: a full walk of
    /// 100,000 rows then costs 20 requests instead of 1,000).
    public func allDestinations(pageSize: Int = 5000, nameContains: String? = nil) -> DestinationWalk {
        DestinationWalk(client: self, pageSize: max(1, pageSize), nameContains: nameContains)
    }
}
