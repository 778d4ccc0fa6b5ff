import FedBotModels
import Foundation
import GRDB
import MatrixClient

extension BotStore {
    // MARK: Outbox

    /// Adds a message unless its transaction ID is already in the outbox. Returns whether it was added.
    @discardableResult
    public func enqueue(_ message: OutgoingMessage, now: Int64) async throws -> Bool {
        try await write { db in try Self.enqueue(db, message, now: now) }
    }

    /// Adds messages in one transaction, each unless its transaction ID is already in the outbox.
    public func enqueue(_ messages: [OutgoingMessage], now: Int64) async throws {
        try await write { db in
            for message in messages { try Self.enqueue(db, message, now: now) }
        }
    }

    @discardableResult
    static func enqueue(_ db: Database, _ message: OutgoingMessage, now: Int64) throws -> Bool {
        let content = try String(decoding: JSONEncoder().encode(message.content), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO outbox(txn_id, room_id, event_type, content, created_at)
                VALUES (?, ?, ?, ?, ?)
                """,
            arguments: [message.transactionID, message.roomID.rawValue, message.eventType, content, now])
        return db.changesCount > 0
    }

    /// Messages not sent yet (and not given up on), in the order they were enqueued.
    /// Rooms in `excluding` are left out (the sender skips rooms that are waiting to retry).
    public func unsentMessages(limit: Int = 100, excluding rooms: [String] = []) async throws -> [OutboxEntry] {
        try await read { db in
            let skip = rooms.isEmpty ? "" : " AND room_id NOT IN (\(databaseQuestionMarks(count: rooms.count)))"
            var arguments = StatementArguments(rooms)
            arguments += [limit]
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT id, txn_id, room_id, event_type, content, attempts FROM outbox
                    WHERE sent_event_id IS NULL AND failure IS NULL\(skip) ORDER BY id LIMIT ?
                    """, arguments: arguments
            ).map { row in
                let (text, room) = (row["content"] as String, row["room_id"] as String)
                guard let roomID = RoomID(room) else {
                    throw BotStoreError("the outbox message \(row["txn_id"] as String) has an invalid room ID \(room)")
                }
                return OutboxEntry(
                    id: row["id"], transactionID: row["txn_id"], roomID: roomID, eventType: row["event_type"],
                    rawContent: Data(text.utf8), attempts: row["attempts"])
            }
        }
    }

    public func markSent(_ id: Int64, eventID: String, now: Int64) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE outbox SET sent_event_id = ?, sent_at = ?, attempts = attempts + 1 WHERE id = ?",
                arguments: [eventID, now, id])
        }
    }

    public func markAttempt(_ id: Int64) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", arguments: [id])
        }
    }

    /// Gives up on a message the homeserver refuses for good (e.g. 403: the bot left the room).
    public func markFailed(_ id: Int64, reason: String) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE outbox SET failure = ?, attempts = attempts + 1 WHERE id = ?", arguments: [reason, id])
        }
    }

    /// Messages waiting to be sent: counted in the `outbox_unsent` index (a covering index over the unsent
    /// rows only), so a `/metrics` scrape costs the same however many messages were ever sent.
    public func unsentCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: Self.unsentCountSQL) ?? 0 }
    }

    static let unsentCountSQL = "SELECT COUNT(*) FROM outbox WHERE sent_event_id IS NULL AND failure IS NULL"

    /// SQLite's plan for `sql` (tests check that the queries run on every scrape use an index).
    func queryPlan(_ sql: String) async throws -> [String] {
        try await read { db in try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String } }
    }

    /// Messages queued since `since` (milliseconds) that were given up on, by room (in the order of their
    /// first such message), with the reason the first of them failed.
    public func undeliveredMessages(since: Int64) async throws -> [(room: String, count: Int, reason: String)] {
        try await read { db in
            // SQLite takes the bare `failure` from the row with MIN(id).
            try Row.fetchAll(
                db,
                sql: """
                    SELECT room_id, MIN(id) AS first, failure, COUNT(*) AS n FROM outbox
                    WHERE sent_event_id IS NULL AND failure IS NOT NULL AND created_at >= ?
                    GROUP BY room_id ORDER BY first
                    """, arguments: [since]
            ).map { row in (room: row["room_id"], count: row["n"], reason: row["failure"]) }
        }
    }

    /// How many messages the outbox holds: all it ever held (sent, failed and waiting), and those still
    /// waiting to be sent.
    public func outboxCount() async throws -> (total: Int, unsent: Int) {
        try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") ?? 0
            let unsent =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE sent_event_id IS NULL AND failure IS NULL")
                ?? 0
            return (total, unsent)
        }
    }
}

/// Where an outbox transaction stands.
public enum OutboxTransactionState: Sendable, Equatable {
    case sent(eventID: String)
    case unsent
    case failed
    case missing
}

extension BotStore {
    public func transactionState(_ transactionID: String) async throws -> OutboxTransactionState {
        try await read { db -> OutboxTransactionState in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT sent_event_id, failure FROM outbox WHERE txn_id = ?", arguments: [transactionID])
            else { return .missing }
            if let eventID: String = row["sent_event_id"] { return .sent(eventID: eventID) }
            if (row["failure"] as String?) != nil { return .failed }
            return .unsent
        }
    }
}
