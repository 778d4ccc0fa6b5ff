public import FedBotCore
import FedBotModels
import GRDB

extension BotStore {
    // MARK: Resets recorded in incidents

    /// Records that `by` reset `server` at `now`, replacing an earlier reset of the same incident (the
    /// latest one is what `incidents` shows). Only for a server with an open incident.
    public func recordReset(_ server: String, by: String, now: Int64) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO resets(server, by, at, checked_at, resumed) VALUES (?, ?, ?, NULL, NULL)
                    ON CONFLICT(server) DO UPDATE SET by = excluded.by, at = excluded.at, checked_at = NULL,
                        resumed = NULL
                    """, arguments: [server, by, now])
        }
    }

    /// Records what the check after a reset of `server` found at `now` (the latest check wins; nothing
    /// when the server has no recorded reset).
    public func recordResetOutcome(_ server: String, resumed: Bool, now: Int64) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE resets SET checked_at = ?, resumed = ? WHERE server = ?",
                arguments: [now, resumed ? 1 : 0, server])
        }
    }

    /// The latest reset of each server with an open incident.
    public func resets() async throws -> [String: IncidentReset] {
        try await read { db in
            var result: [String: IncidentReset] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT server, by, at, checked_at, resumed FROM resets") {
                var reset = IncidentReset(by: row["by"], at: Timestamp(milliseconds: row["at"]))
                if let checked = row["checked_at"] as Int64?, let resumed = row["resumed"] as Int? {
                    reset.checked = (Timestamp(milliseconds: checked), resumed != 0)
                }
                result[row["server"]] = reset
            }
            return result
        }
    }

    /// Forgets the resets of servers without an open incident.
    static func endResets(_ db: Database, open servers: Set<String>) throws {
        for server in try String.fetchAll(db, sql: "SELECT server FROM resets") where !servers.contains(server) {
            try db.execute(sql: "DELETE FROM resets WHERE server = ?", arguments: [server])
        }
    }
}
