public import FedBotCore
import FedBotModels
import Foundation
import GRDB
import MatrixClient

extension BotStore {
    // MARK: Sync and commands

    /// Records the commands of one sync response and its `next_batch` in one transaction. Commands
    /// already known (redelivered after a crash, or repeated by the server) are skipped.
    /// - Returns: how many commands were new.
    @discardableResult
    public func recordSync(nextBatch: String, commands: [StoredCommand]) async throws -> Int {
        try await write { db in
            var added = 0
            for command in commands {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO commands(event_id, room_id, sender, body, thread_root, origin_ts, received_at,
                            reaction_key, relates_to)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        command.eventID.rawValue, command.roomID.rawValue, command.sender.rawValue, command.body,
                        command.threadRoot?.rawValue,
                        command.originTs, command.receivedAt, command.reaction?.key, command.reaction?.target.rawValue,
                    ])
                added += db.changesCount
            }
            try Self.set(db, Key.nextBatch, nextBatch)
            return added
        }
    }

    /// Commands accepted but not answered yet, oldest first.
    public func pendingCommands() async throws -> [StoredCommand] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT event_id, room_id, sender, body, thread_root, origin_ts, received_at, reaction_key, relates_to
                    FROM commands WHERE state = 'pending' ORDER BY seq
                    """
            ).map { try Self.command($0) }
        }
    }

    /// Marks a command answered: its reply goes into the outbox (unless that transaction ID is already
    /// there) and an optional follow-up is scheduled, all in one transaction.
    public func complete(
        _ command: StoredCommand, reply: OutgoingMessage?, followUp: (json: String, due: Int64)?, now: Int64,
        extras: CompletionExtras = CompletionExtras()
    ) async throws {
        try await write { db in
            if let reply { try Self.enqueue(db, reply, now: now) }
            try Self.apply(db, extras, now: now)
            try db.execute(
                sql: "UPDATE commands SET state = 'done', followup = ?, followup_due = ? WHERE event_id = ?",
                arguments: [followUp?.json, followUp?.due, command.eventID.rawValue])
        }
    }

    /// Follow-ups whose time has come, oldest first.
    public func dueFollowUps(now: Int64) async throws -> [(command: StoredCommand, json: String)] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT event_id, room_id, sender, body, thread_root, origin_ts, received_at, reaction_key, relates_to,
                        followup
                    FROM commands WHERE followup IS NOT NULL AND followup_due <= ? ORDER BY followup_due, seq
                    """, arguments: [now]
            ).map { row in (try Self.command(row), row["followup"] as String) }
        }
    }

    /// When the next follow-up is due, if any.
    public func nextFollowUpDue() async throws -> Int64? {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(followup_due) FROM commands WHERE followup IS NOT NULL")
        }
    }

    /// Enqueues a follow-up's message and clears the follow-up, in one transaction.
    public func completeFollowUp(of command: StoredCommand, message: OutgoingMessage?, now: Int64) async throws {
        try await write { db in
            if let message { try Self.enqueue(db, message, now: now) }
            try db.execute(
                sql: "UPDATE commands SET followup = NULL, followup_due = NULL WHERE event_id = ?",
                arguments: [command.eventID.rawValue])
        }
    }

    /// A command row with its IDs typed again (they were valid when recorded).
    static func command(_ row: Row) throws -> StoredCommand {
        let (event, room, sender) = (row["event_id"] as String, row["room_id"] as String, row["sender"] as String)
        let threadRoot = row["thread_root"] as String?
        guard let eventID = EventID(event), let roomID = RoomID(room), let senderID = UserID(sender) else {
            throw BotStoreError("the command \(event) has an invalid event, room or sender ID")
        }
        var reaction: StoredReaction?
        if let key = row["reaction_key"] as String?, let target = (row["relates_to"] as String?).flatMap(EventID.init) {
            reaction = StoredReaction(key: key, target: target)
        }
        return StoredCommand(
            eventID: eventID, roomID: roomID, sender: senderID, body: row["body"],
            threadRoot: threadRoot.flatMap(EventID.init), originTs: row["origin_ts"], receivedAt: row["received_at"],
            reaction: reaction)
    }
}
