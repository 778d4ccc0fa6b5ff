public import FedBotCore
public import FedBotModels
import Foundation
import GRDB
import MatrixClient

/// What a handled reaction or command stores besides its reply, in the same transaction: more messages
/// (the bot's ✅ on a prompt), a bulk reset waiting for its ✅, or one that was used.
public struct CompletionExtras: Sendable {
    public var messages: [OutgoingMessage]
    /// A prompt's transaction ID and the request it asks about.
    public var confirmation: (promptTransaction: String, request: BulkResetConfirmation)?
    /// A prompt whose ✅ was used (it can confirm only once).
    public var usedConfirmation: String?

    public init(
        messages: [OutgoingMessage] = [],
        confirmation: (promptTransaction: String, request: BulkResetConfirmation)? = nil,
        usedConfirmation: String? = nil
    ) {
        self.messages = messages
        self.confirmation = confirmation
        self.usedConfirmation = usedConfirmation
    }
}

extension BotStore {
    // MARK: Reactions, acknowledgements, confirmations

    static func apply(_ db: Database, _ extras: CompletionExtras, now: Int64) throws {
        for message in extras.messages { try enqueue(db, message, now: now) }
        if let (txn, request) = extras.confirmation {
            let text = String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
            try db.execute(
                sql: "INSERT OR IGNORE INTO confirmations(prompt_txn, request, created_at) VALUES (?, ?, ?)",
                arguments: [txn, text, now])
        }
        if let used = extras.usedConfirmation {
            try db.execute(sql: "UPDATE confirmations SET used = 1 WHERE prompt_txn = ?", arguments: [used])
        }
    }

    /// The transaction ID of the bot's message that became `event` in `room`, if it sent one.
    public func transaction(sentAs event: EventID, in room: RoomID) async throws -> String? {
        try await read { db in
            try String.fetchOne(
                db, sql: "SELECT txn_id FROM outbox WHERE sent_event_id = ? AND room_id = ?",
                arguments: [event.rawValue, room.rawValue])
        }
    }

    /// The bulk reset a prompt asks about, and whether its ✅ was used already.
    public func confirmation(prompt transaction: String) async throws -> (BulkResetConfirmation, used: Bool)? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT request, used FROM confirmations WHERE prompt_txn = ?", arguments: [transaction])
            else { return nil }
            let request = try JSONDecoder().decode(
                BulkResetConfirmation.self, from: Data((row["request"] as String).utf8))
            return (request, (row["used"] as Int) != 0)
        }
    }

    /// Records that `by` acknowledged `server`'s open incident (the first acknowledgement stays).
    public func acknowledge(_ server: String, by: String, now: Int64) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO acknowledgements(server, by, at) VALUES (?, ?, ?)",
                arguments: [server, by, now])
        }
    }

    /// Acknowledged servers, with who and when.
    public func acknowledgements() async throws -> [String: (by: String, at: Timestamp)] {
        try await read { db in
            var result: [String: (by: String, at: Timestamp)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT server, by, at FROM acknowledgements") {
                result[row["server"]] = (row["by"], Timestamp(milliseconds: row["at"]))
            }
            return result
        }
    }

    /// Mutes `server` until its incident ends.
    public func muteUntilRecovered(_ server: String, by user: String?, now: Int64) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO mutes(server, until, muted_by, created_at, until_recovered) VALUES (?, ?, ?, ?, 1)
                    ON CONFLICT(server) DO UPDATE SET until = excluded.until, muted_by = excluded.muted_by,
                        created_at = excluded.created_at, until_recovered = 1
                    """, arguments: [server, Self.untilRecoveredEnd, user, now])
        }
    }

    /// The end stored for a mute until recovery: the watcher ends it sooner, when the incident ends.
    static let untilRecoveredEnd: Int64 = 253_402_300_799_000

    /// Who muted what, and which mutes last until recovery.
    public func muteDetails() async throws -> [String: (by: String?, untilRecovered: Bool)] {
        try await read { db in
            var result: [String: (by: String?, untilRecovered: Bool)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT server, muted_by, until_recovered FROM mutes") {
                result[row["server"]] = (row["muted_by"], (row["until_recovered"] as Int) != 0)
            }
            return result
        }
    }

    /// The acknowledgements and mutes that last until an incident ends.
    public func silences() async throws -> IncidentSilences {
        try await read { db in
            IncidentSilences(
                acknowledged: Set(try String.fetchAll(db, sql: "SELECT server FROM acknowledgements")),
                untilRecovered: Set(try String.fetchAll(db, sql: "SELECT server FROM mutes WHERE until_recovered = 1")))
        }
    }

    /// Ends the acknowledgements and mutes until recovery of servers without an open incident.
    static func endSilences(_ db: Database, open servers: Set<String>) throws {
        let known = try String.fetchAll(
            db, sql: "SELECT server FROM acknowledgements UNION SELECT server FROM mutes WHERE until_recovered = 1")
        for server in known where !servers.contains(server) {
            try db.execute(sql: "DELETE FROM acknowledgements WHERE server = ?", arguments: [server])
            try db.execute(sql: "DELETE FROM mutes WHERE server = ? AND until_recovered = 1", arguments: [server])
        }
    }
}
