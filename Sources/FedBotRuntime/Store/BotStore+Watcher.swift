public import FedBotCore
public import FedBotModels
import Foundation
import GRDB
import MatrixClient

extension BotStore {
    // MARK: Watcher

    /// The watcher's state, or a fresh one before the first poll.
    public func watcherState() async throws -> WatcherState {
        guard let text = try await value(Key.watcherState) else { return WatcherState() }
        return try JSONDecoder().decode(WatcherState.self, from: Data(text.utf8))
    }

    /// Stores the state after a poll and enqueues its notices, in one transaction: a crash before it
    /// leaves both as they were (the next poll decides again), after it both are durable.
    public func commitWatcher(_ state: WatcherState, messages: [OutgoingMessage], now: Int64) async throws {
        let text = try String(decoding: JSONEncoder().encode(state), as: UTF8.self)
        let open = Set(state.incidents.keys)
        try await write { db in
            try Self.set(db, Key.watcherState, text)
            for message in messages { try Self.enqueue(db, message, now: now) }
            // An acknowledgement, a mute until recovery or a recorded reset ends with its incident.
            try Self.endSilences(db, open: open)
            try Self.endResets(db, open: open)
        }
    }

    /// Mutes `server` until `until` (replacing an earlier mute).
    public func mute(_ server: String, until: Int64, by user: String?, now: Int64) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO mutes(server, until, muted_by, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(server) DO UPDATE SET until = excluded.until, muted_by = excluded.muted_by,
                        created_at = excluded.created_at, until_recovered = 0
                    """, arguments: [server, until, user, now])
        }
    }

    /// Ends a mute; false when there was none in force.
    public func unmute(_ server: String, now: Int64) async throws -> Bool {
        try await write { db in
            let active =
                try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM mutes WHERE server = ? AND until > ?", arguments: [server, now]) ?? false
            try db.execute(sql: "DELETE FROM mutes WHERE server = ?", arguments: [server])
            return active
        }
    }

    /// Mutes in force at `now`, server → end.
    public func activeMutes(now: Int64) async throws -> [String: Timestamp] {
        try await write { db in
            try db.execute(sql: "DELETE FROM mutes WHERE until <= ?", arguments: [now])
            var mutes: [String: Timestamp] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT server, until FROM mutes") {
                mutes[row["server"]] = Timestamp(milliseconds: row["until"])
            }
            return mutes
        }
    }
}
