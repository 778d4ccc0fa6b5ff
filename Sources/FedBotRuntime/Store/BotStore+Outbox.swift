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
    public func unsentMessages(limit: Int = 100) async throws -> [OutboxEntry] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, txn_id, room_id, event_type, content, attempts FROM outbox
                    WHERE sent_event_id IS NULL AND failure IS NULL ORDER BY id LIMIT ?
                    """, arguments: [limit]
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
