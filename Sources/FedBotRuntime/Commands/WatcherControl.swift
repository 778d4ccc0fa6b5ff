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
    /// Acknowledges `server`'s open incident; false when it has none.
    func acknowledge(_ server: ServerName, by user: String) async throws -> Bool
    /// Mutes `server` until its open incident ends; false when it has none.
    func muteUntilRecovered(_ server: ServerName, by user: String?) async throws -> Bool
    /// Records in `server`'s open incident that `user` reset it (nothing when it has none).
    func recordReset(_ server: ServerName, by user: String) async throws
    /// Records what the check after `server`'s reset found.
    func recordResetOutcome(_ server: ServerName, resumed: Bool) async throws
}

/// The watcher's side of a `fedbot fed` whose config has notice rooms but whose state file cannot be used:
/// every command that needs the state answers with the `StateFileProblem` instead of "notices are off".
public struct MissingStateFile: WatcherControl {
    public let problem: StateFileProblem

    /// No file at `path`.
    public init(path: String) {
        problem = StateFileProblem(path: path)
    }

    public init(_ problem: StateFileProblem) {
        self.problem = problem
    }

    public func lastPoll() async -> Timestamp? { nil }
    public func openIncidents() async throws -> [IncidentSummary] { throw problem }
    public func mute(_ server: ServerName, until: Timestamp, by user: String?) async throws { throw problem }
    public func unmute(_ server: ServerName) async throws -> Bool { throw problem }
    public func mutes(now: Timestamp) async throws -> [(server: String, until: Timestamp)] { throw problem }
    public func acknowledge(_ server: ServerName, by user: String) async throws -> Bool { throw problem }
    public func muteUntilRecovered(_ server: ServerName, by user: String?) async throws -> Bool { throw problem }
    public func recordReset(_ server: ServerName, by user: String) async throws { throw problem }
    public func recordResetOutcome(_ server: ServerName, resumed: Bool) async throws { throw problem }
}
