public import FedBotCore
public import FedBotModels

/// What the executor needs from the watcher for `status`, `incidents`, `mute` and `unmute`.
public protocol WatcherControl: Sendable {
    /// When the last poll completed, nil before the first.
    func lastPoll() async -> Timestamp?
    /// Open incidents, oldest first.
    func openIncidents() async throws -> [IncidentSummary]
    /// Mutes notices for `server` until `until`.
    func mute(_ server: ServerName, until: Timestamp, by user: String?) async throws
    /// Ends a mute; false when the server was not muted.
    func unmute(_ server: ServerName) async throws -> Bool
    /// Servers muted now, with the end of their mute.
    func mutes(now: Timestamp) async throws -> [(server: String, until: Timestamp)]
}
