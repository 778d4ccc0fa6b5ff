import FedBotCore
import FedBotModels
import Foundation
import GRDB

/// How long the state file keeps what is done with, and what it keeps for longer.
///
/// A handled command's event ID is what makes a redelivered event a duplicate: the intake takes an event
/// only while `now - origin_server_ts <= bot.max_command_age` (also when backfilling a gap), so once both
/// its arrival and its `origin_server_ts` are older than `max_command_age` (plus an hour for clock steps)
/// a redelivery is refused as too old and the row is no longer needed. A command with a follow-up due,
/// or not answered yet, is never pruned. Sent and failed outbox messages are only looked at again by
/// later messages that refer to them (`OutboxReference`: a notice's edit and its thread reply refer to
/// the notice's transaction): a notice of an open incident stays, and so does any message a waiting
/// message refers to. Waiting messages are never pruned.
public struct Retention: Sendable, Equatable {
    /// Done rows older than this go (`storage.retention`; at least `max_command_age` + 1 h for commands).
    public var window: Duration
    /// `bot.max_command_age`.
    public var maxCommandAge: Duration

    public static let defaultWindow = FedBotConfig.Storage.defaultRetention
    /// How often the bot prunes (and once at start-up).
    public static let interval = Duration.seconds(3600)

    public init(window: Duration = Self.defaultWindow, maxCommandAge: Duration) {
        self.window = window
        self.maxCommandAge = maxCommandAge
    }

    /// Rows whose times are all before this may go.
    func cutoff(now: Int64) -> Int64 {
        let kept = max(window, FedBotConfig.Storage.minimumRetention(maxCommandAge: maxCommandAge)).wholeMilliseconds
        let (cutoff, overflow) = now.subtractingReportingOverflow(kept)
        return overflow ? .min : cutoff
    }
}

/// What one prune removed.
public struct PruneResult: Sendable, Equatable {
    public var commands: Int
    public var messages: Int
}

extension BotStore {
    // MARK: Retention

    /// Deletes handled commands and sent or failed messages older than the retention window (see
    /// `Retention` for what stays), then gives the freed pages back to the file system.
    @discardableResult
    public func prune(now: Int64, retention: Retention) async throws -> PruneResult {
        let cutoff = retention.cutoff(now: now)
        let result = try await write { db -> PruneResult in
            try db.execute(
                sql: """
                    DELETE FROM commands WHERE state = 'done' AND followup IS NULL
                        AND received_at < ? AND origin_ts < ?
                    """, arguments: [cutoff, cutoff])
            let commands = db.changesCount
            // Notices one by one (few: one per announced failure); everything else in one statement.
            let kept = try Self.referencedTransactions(db)
            let keptText = String(decoding: try JSONEncoder().encode(kept.sorted()), as: UTF8.self)
            try db.execute(
                sql: """
                    DELETE FROM outbox WHERE (sent_event_id IS NOT NULL OR failure IS NOT NULL)
                        AND COALESCE(sent_at, created_at) < ? AND txn_id NOT LIKE 'fedbot.notice.%'
                        AND txn_id NOT IN (SELECT value FROM json_each(?))
                    """, arguments: [cutoff, keptText])
            var messages = db.changesCount
            let keptNotices = try Self.openNoticePrefixes(db)
            let notices = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, txn_id FROM outbox WHERE (sent_event_id IS NOT NULL OR failure IS NOT NULL)
                        AND COALESCE(sent_at, created_at) < ? AND txn_id LIKE 'fedbot.notice.%'
                    """, arguments: [cutoff])
            for row in notices {
                let transaction: String = row["txn_id"]
                if kept.contains(transaction) || keptNotices.contains(where: { transaction.hasPrefix($0) }) {
                    continue
                }
                try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [row["id"] as Int64])
                messages += 1
            }
            // Bulk-reset prompts expire after two minutes: their requests go with the window.
            try db.execute(sql: "DELETE FROM confirmations WHERE created_at < ?", arguments: [cutoff])
            return PruneResult(commands: commands, messages: messages)
        }
        try await shrink()
        return result
    }

    /// Transactions that waiting messages refer to (the original of an edit, the root of a thread reply).
    static func referencedTransactions(_ db: Database) throws -> Set<String> {
        var referenced: Set<String> = []
        let contents = try String.fetchAll(
            db,
            sql: "SELECT content FROM outbox WHERE sent_event_id IS NULL AND failure IS NULL AND instr(content, ?) > 0",
            arguments: [OutboxReference.prefix])
        for text in contents {
            guard let content = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else { continue }
            referenced.formUnion(OutboxReference.references(in: content))
        }
        return referenced
    }

    /// Transaction ID prefixes of the notices the watcher may still edit or reply to: those of open
    /// incidents and unresolved notices (`NoticeOutbox.postTransaction` adds the room).
    static func openNoticePrefixes(_ db: Database) throws -> [String] {
        guard
            let text = try String.fetchOne(db, sql: "SELECT value FROM kv WHERE key = ?", arguments: [Key.watcherState])
        else { return [] }
        let state = try JSONDecoder().decode(WatcherState.self, from: Data(text.utf8))
        let scope =
            try String.fetchOne(db, sql: "SELECT value FROM kv WHERE key = ?", arguments: [Key.noticeScope]) ?? ""
        let keys = Set(state.notices.keys).union(state.incidents.values.compactMap(\.noticeKey))
        return keys.map { "fedbot.notice.\(scope)\($0)." }
    }

    /// Returns free pages to the file system and empties the write-ahead log.
    func shrink() async throws {
        try await writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA incremental_vacuum")
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }

    /// The state file's size in bytes, with its write-ahead log.
    public func fileSize() -> Int64 {
        [path, path + "-wal"].reduce(0) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber
            return total + (size?.int64Value ?? 0)
        }
    }
}
