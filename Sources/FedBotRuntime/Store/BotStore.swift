public import FedBotModels
public import Foundation
import GRDB
import MatrixClient

/// fedbot's durable state in one SQLite file (`storage.path`): the sync position, the commands
/// received and their state, and an outbox of messages with their transaction IDs.
///
/// Exactly-once replies rest on three things: a command is recorded in the same transaction as the
/// sync position that delivered it; every outgoing message has a transaction ID derived from what it
/// answers (`fedbot.reply.<event id>`, `fedbot.followup.<event id>`,
/// `fedbot.notice.…`), unique in the outbox; and the homeserver deduplicates a re-sent
/// transaction ID. A crash at any point then leads to one reply, never zero or two.
public final class BotStore: Sendable {
    /// Only the store touches the database; every access goes through GRDB's async `read`/`write`.
    private let queue: DatabaseQueue
    public let path: String

    /// Opens (creating if needed) the store and migrates it to the current schema.
    public convenience init(path: String) throws {
        try self.init(path: path, incrementalVacuum: true)
    }

    /// `incrementalVacuum: false` makes a file as versions before retention did (for tests).
    init(path: String, incrementalVacuum: Bool) throws {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // WAL + NORMAL survives process crashes; after a power loss a rolled-back "sent" mark only
            // causes a re-send with the same transaction ID, which the homeserver deduplicates.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        self.path = path
        if path != ":memory:" {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        if path != ":memory:" { try Self.createPrivately(path) }
        queue =
            try path == ":memory:"
            ? DatabaseQueue(configuration: configuration) : DatabaseQueue(path: path, configuration: configuration)
        if incrementalVacuum { try Self.useIncrementalVacuum(queue) }
        try Self.migrator.migrate(queue)
    }

    /// The state file holds the sync position and message contents: only its owner may read it. A new file
    /// is created with mode 0600 before SQLite opens it (SQLite gives its `-wal` and `-shm` files the mode
    /// of the database file); files made by an earlier version are narrowed to 0600.
    static func createPrivately(_ path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw BotStoreError("cannot create the state file \(path): \(String(cString: strerror(errno)))")
        }
        close(fd)
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            guard chmod(file, 0o600) == 0 else {
                throw BotStoreError("cannot make \(file) private (mode 0600): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Freed pages go back to the file system at each prune (`PRAGMA incremental_vacuum`). SQLite only
    /// switches an existing database's `auto_vacuum` mode with a `VACUUM`: done once, for state files made
    /// before this.
    static func useIncrementalVacuum(_ queue: DatabaseQueue) throws {
        try queue.writeWithoutTransaction { db in
            guard try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") != 2 else { return }
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            try db.execute(sql: "VACUUM")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-bot") { db in
            try db.execute(
                sql: """
                    CREATE TABLE kv (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    CREATE TABLE commands (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        event_id TEXT NOT NULL UNIQUE,
                        room_id TEXT NOT NULL,
                        sender TEXT NOT NULL,
                        body TEXT NOT NULL,
                        thread_root TEXT,
                        origin_ts INTEGER NOT NULL,
                        received_at INTEGER NOT NULL,
                        state TEXT NOT NULL DEFAULT 'pending',
                        followup TEXT,
                        followup_due INTEGER
                    );
                    CREATE INDEX commands_pending ON commands(state, seq);
                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        txn_id TEXT NOT NULL UNIQUE,
                        room_id TEXT NOT NULL,
                        event_type TEXT NOT NULL,
                        content TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        sent_event_id TEXT,
                        sent_at INTEGER,
                        failure TEXT
                    );
                    CREATE INDEX outbox_unsent ON outbox(sent_event_id, failure, id);
                    """)
        }
        migrator.registerMigration("v2-watcher") { db in
            try db.execute(
                sql: """
                    CREATE TABLE mutes (
                        server TEXT PRIMARY KEY NOT NULL,
                        until INTEGER NOT NULL,
                        muted_by TEXT,
                        created_at INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v3-reactions") { db in
            try db.execute(
                sql: """
                    ALTER TABLE commands ADD COLUMN reaction_key TEXT;
                    ALTER TABLE commands ADD COLUMN relates_to TEXT;
                    ALTER TABLE mutes ADD COLUMN until_recovered INTEGER NOT NULL DEFAULT 0;
                    CREATE TABLE acknowledgements (
                        server TEXT PRIMARY KEY NOT NULL,
                        by TEXT NOT NULL,
                        at INTEGER NOT NULL
                    );
                    CREATE TABLE confirmations (
                        prompt_txn TEXT PRIMARY KEY NOT NULL,
                        request TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        used INTEGER NOT NULL DEFAULT 0
                    );
                    """)
        }
        migrator.registerMigration("v4-resets") { db in
            // The latest reset of each destination with an open incident; ends with the incident.
            try db.execute(
                sql: """
                    CREATE TABLE resets (
                        server TEXT PRIMARY KEY NOT NULL,
                        by TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        checked_at INTEGER,
                        resumed INTEGER
                    );
                    """)
        }
        return migrator
    }

    /// Reads in the database queue (GRDB's async access: the caller's task is suspended, not blocked).
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await queue.read(body)
    }

    /// Writes in one transaction.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await queue.write(body)
    }

    /// SQLite's `auto_vacuum` mode: 0 none, 1 full, 2 incremental.
    func autoVacuumMode() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") ?? 0 }
    }

    /// Runs `body` outside a transaction (pragmas such as `incremental_vacuum` and checkpoints).
    func writeWithoutTransaction<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await queue.writeWithoutTransaction(body)
    }

    // MARK: Key-value

    public func value(_ key: String) async throws -> String? {
        try await read { db in try String.fetchOne(db, sql: "SELECT value FROM kv WHERE key = ?", arguments: [key]) }
    }

    public func setValue(_ value: String, for key: String) async throws {
        try await write { db in try Self.set(db, key, value) }
    }

    static func set(_ db: Database, _ key: String, _ value: String) throws {
        try db.execute(
            sql: "INSERT INTO kv(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            arguments: [key, value])
    }

    public enum Key {
        public static let nextBatch = "sync.next_batch"
        public static let firstSyncAt = "sync.first_sync_at"
        public static let userID = "bot.user_id"
        public static let watcherState = "watcher.state"
        /// The prefix of this state file's notice transaction IDs.
        public static let noticeScope = "watcher.notice_scope"
    }
}

/// A message to send, with the transaction ID that makes it unique.
public struct OutgoingMessage: Sendable, Equatable {
    public var transactionID: String
    public var roomID: RoomID
    public var eventType: String
    public var content: JSONValue

    public init(transactionID: String, roomID: RoomID, eventType: String = "m.room.message", content: JSONValue) {
        self.transactionID = transactionID
        self.roomID = roomID
        self.eventType = eventType
        self.content = content
    }
}

/// A row of the outbox. The content stays the JSON text it was stored as: sending it needs no
/// decoding, unless it refers to an earlier message (`OutboxReference`).
public struct OutboxEntry: Sendable, Equatable {
    public var id: Int64
    public var transactionID: String
    public var roomID: RoomID
    public var eventType: String
    /// The content as stored (JSON).
    public var rawContent: Data
    public var attempts: Int

    /// The message, with its content decoded.
    public var message: OutgoingMessage {
        OutgoingMessage(
            transactionID: transactionID, roomID: roomID, eventType: eventType,
            content: (try? JSONDecoder().decode(JSONValue.self, from: rawContent)) ?? .object([:]))
    }
}

/// The state file holds something fedbot never writes (edited by hand, or damaged).
public struct BotStoreError: Error, CustomStringConvertible, Sendable {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
