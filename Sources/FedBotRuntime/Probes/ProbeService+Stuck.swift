import FedBotCore
import FedBotModels
import Logging
import SynapseAdmin

/// Stuck deliveries: probed destinations Synapse calls healthy whose shared rooms have events waiting.
extension ProbeService {
    /// Most pages of `/destinations/<d>/rooms` read per destination and check (100 rooms each).
    static let stuckRoomPages = 10

    /// Looks up every probed destination and its rooms, and follows the waits (`StuckWatch`). Returns whether
    /// the set of stuck destinations changed. A failed look-up leaves that destination's watch as it was.
    func checkStuck(_ book: inout ProbeBook, targets: [String], now: Timestamp) async throws -> Bool {
        let before = Set(book.stuck.filter { $0.value.stuck(after: config.stuckAfter, now: now) != nil }.keys)
        for name in targets {
            try Task.checkCancellation()
            guard let server = ServerName(name) else { continue }
            let row: Destination
            do {
                row = try await admin.destination(server)
            } catch .unknownDestination {
                book.stuck[name] = nil
                continue
            } catch {
                continue
            }
            guard !row.isFailing, row.lastSuccessfulStreamOrdering != nil else {
                book.stuck[name] = nil
                continue
            }
            var orderings: [Int64] = []
            var from = 0
            var complete = true
            for _ in 0..<Self.stuckRoomPages {
                guard let page = try? await admin.destinationRooms(server, from: from, limit: 100) else {
                    complete = false
                    break
                }
                orderings += page.rooms.compactMap(\.streamOrdering)
                guard let next = page.nextToken.flatMap(Int.init), next > from else { break }
                from = next
            }
            guard complete else { continue }
            book.stuck[name] = StuckWatch.update(book.stuck[name], row: row, roomOrderings: orderings, now: now)
        }
        book.stuckCheckedAt = now
        let after = Set(book.stuck.filter { $0.value.stuck(after: config.stuckAfter, now: now) != nil }.keys)
        return before != after
    }
}
