import FedBotCore
import FedBotModels
import Logging
import SynapseAdmin

/// Globs and `top_shared`, resolved against the destinations Synapse knows (hourly).
extension ProbeService {
    /// Most destinations remembered from one walk (a glob like `*` must not hold the whole table).
    static let walkLimit = 100_000
    /// Most shared-room counts looked up per refresh for `top_shared` (one request each): the admin API
    /// cannot sort destinations by rooms, so the candidates are the destinations with the most recent
    /// deliveries (highest `last_successful_stream_ordering`).
    static let topSharedLookups = 500

    /// Walks the destinations when globs or `top_shared` need them. A failed walk keeps the previous targets
    /// and is tried again at the next round.
    func refreshTargets(_ book: inout ProbeBook, now: Timestamp) async {
        let globs = config.servers.filter(\.hasWildcards)
        guard !globs.isEmpty || config.topShared > 0 else {
            book.targetsAt = now
            return
        }
        do {
            var matched: [String] = []
            var candidates: [(name: String, ordering: Int64)] = []
            var iterator = admin.allDestinations(pageSize: 1000).makeAsyncIterator()
            var seen = 0
            while let row = try await iterator.next(), seen < Self.walkLimit {
                seen += 1
                if globs.contains(where: { $0.matches(row.destination) }) { matched.append(row.destination) }
                if config.topShared > 0, let ordering = row.lastSuccessfulStreamOrdering {
                    candidates.append((row.destination, ordering))
                }
            }
            var top: [(name: String, rooms: Int)] = []
            let pool = candidates.sorted { $0.ordering > $1.ordering }.prefix(Self.topSharedLookups)
            for candidate in pool {
                guard let server = ServerName(candidate.name) else { continue }
                if let total = try? await admin.destinationRooms(server, limit: 1).total {
                    top.append((candidate.name, total))
                }
            }
            book.matched = matched.sorted()
            book.topShared = top.sorted { $0.rooms != $1.rooms ? $0.rooms > $1.rooms : $0.name < $1.name }
                .prefix(config.topShared).map(\.name)
            book.targetsAt = now
            logger.info(
                "Probe targets refreshed",
                metadata: ["matched": "\(book.matched.count)", "top_shared": "\(book.topShared.count)"])
        } catch {
            logger.warning(
                "Could not list destinations for probes.servers globs and probes.top_shared; keeping the last targets",
                metadata: ["error": "\(LogText.sanitized("\(error)"))"])
        }
    }
}
