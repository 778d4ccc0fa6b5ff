public import FedBotCore
public import FedBotModels
import MatrixClient

/// `mute`, `unmute`, `incidents` and the watcher part of `status`, straight from the store: the same for
/// the running bot and for `fedbot fed` in a shell next to it.
public struct StoredWatcherControl: WatcherControl {
    let store: BotStore
    let now: @Sendable () -> Timestamp

    public init(store: BotStore, now: @escaping @Sendable () -> Timestamp = Timestamp.now) {
        self.store = store
        self.now = now
    }

    public func lastPoll() async -> Timestamp? {
        (try? await store.watcherState())?.lastPoll
    }

    public func openIncidents() async throws -> [IncidentSummary] {
        let state = try await store.watcherState()
        let mutes = try await store.activeMutes(now: now().milliseconds)
        let details = try await store.muteDetails()
        let acknowledgements = try await store.acknowledgements()
        let resets = try await store.resets()
        return state.incidents.values.map { incident -> IncidentSummary in
            let mute = mutes[incident.server] == nil ? nil : details[incident.server]
            return IncidentSummary(
                server: incident.server, since: incident.since, announced: incident.noticeKey != nil,
                mutedUntil: mutes[incident.server], mutedUntilRecovered: mute?.untilRecovered ?? false,
                mutedBy: mute?.by ?? nil, acknowledged: acknowledgements[incident.server],
                reset: resets[incident.server])
        }.sorted { $0.since != $1.since ? $0.since < $1.since : $0.server < $1.server }
    }

    public func mute(_ server: ServerName, until: Timestamp, by user: String?) async throws {
        try await store.mute(server.rawValue, until: until.milliseconds, by: user, now: now().milliseconds)
    }

    public func unmute(_ server: ServerName) async throws -> Bool {
        try await store.unmute(server.rawValue, now: now().milliseconds)
    }

    public func acknowledge(_ server: ServerName, by user: String) async throws -> Bool {
        guard try await store.watcherState().incidents[server.rawValue] != nil else { return false }
        try await store.acknowledge(server.rawValue, by: user, now: now().milliseconds)
        return true
    }

    public func muteUntilRecovered(_ server: ServerName, by user: String?) async throws -> Bool {
        guard try await store.watcherState().incidents[server.rawValue] != nil else { return false }
        try await store.muteUntilRecovered(server.rawValue, by: user, now: now().milliseconds)
        return true
    }

    public func recordReset(_ server: ServerName, by user: String) async throws {
        guard try await store.watcherState().incidents[server.rawValue] != nil else { return }
        try await store.recordReset(server.rawValue, by: user, now: now().milliseconds)
    }

    public func recordResetOutcome(_ server: ServerName, resumed: Bool) async throws {
        try await store.recordResetOutcome(server.rawValue, resumed: resumed, now: now().milliseconds)
    }

    public func mutes(now: Timestamp) async throws -> [(server: String, until: Timestamp)] {
        try await store.activeMutes(now: now.milliseconds).map { ($0.key, $0.value) }.sorted { $0.server < $1.server }
    }
}
