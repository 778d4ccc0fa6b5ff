public import FedBotModels

/// What one probe of a server found: the cheap part of a federation check (resolution, TLS, `/version`,
/// the key endpoint), reduced to what the probe machine and `!fed probes` need.
public struct ProbeResult: Codable, Equatable, Sendable {
    /// Whether the server answered federation.
    public var ok: Bool
    /// How long the probe took, in milliseconds (nil when it did not get that far).
    public var latencyMilliseconds: Int?
    /// The id of the check that failed (`dns`, `connect`, `tls`, `certificate`, `version`, `keys`, … as in
    /// the check engine); nil when it answered.
    public var check: String?
    /// One line, lower case, safe to show: "connection refused", "TLS handshake timed out".
    public var reason: String

    public init(ok: Bool, latencyMilliseconds: Int? = nil, check: String? = nil, reason: String) {
        self.ok = ok
        self.latencyMilliseconds = latencyMilliseconds
        self.check = check
        self.reason = reason
    }

    public static func answered(latencyMilliseconds: Int) -> ProbeResult {
        ProbeResult(ok: true, latencyMilliseconds: latencyMilliseconds, reason: "answers federation")
    }

    public static func failed(check: String, reason: String, latencyMilliseconds: Int? = nil) -> ProbeResult {
        ProbeResult(ok: false, latencyMilliseconds: latencyMilliseconds, check: check, reason: reason)
    }

    /// The outcome as a metrics label: `ok` or the failing check id, from a fixed set (anything else is
    /// `other`), so that a server cannot grow the label set.
    public var outcomeLabel: String {
        guard !ok else { return "ok" }
        guard let check, Self.checkIDs.contains(check) else { return "other" }
        return check
    }

    /// The check ids of the shared vocabulary (docs: the diagnostics contract).
    public static let checkIDs: Set<String> = [
        "name", "dns", "well-known", "srv", "connect", "tls", "certificate", "version", "keys", "support", "address",
    ]
}

/// A server past `probes.failures` consecutive failed probes, as the watcher sees it.
public struct ProbeFailure: Codable, Equatable, Sendable {
    /// The first failed probe of the run.
    public var since: Timestamp
    /// The last failed probe's result.
    public var result: ProbeResult

    public init(since: Timestamp, result: ProbeResult) {
        self.since = since
        self.result = result
    }
}

/// Events waiting for delivery to a destination that Synapse calls healthy.
public struct StuckDelivery: Codable, Equatable, Sendable {
    /// Shared rooms with events newer than the destination's `last_successful_stream_ordering`.
    public var rooms: Int
    /// When the bot first saw events waiting (and the destination's last delivery unchanged since).
    public var since: Timestamp

    public init(rooms: Int, since: Timestamp) {
        self.rooms = rooms
        self.since = since
    }
}

/// What the probes know when the watcher polls: read from the probe service, decided by `WatcherMachine`.
public struct ProbeObservation: Sendable, Equatable {
    /// Servers past `probes.failures` consecutive failures.
    public var failing: [String: ProbeFailure]
    /// Servers whose last probe answered.
    public var answering: Set<String>
    /// When the last probe of each answering server ran: `probes.auto_reset` needs an answer newer than
    /// Synapse's last failed attempt.
    public var answeredAt: [String: Timestamp]
    /// Destinations stuck for longer than `probes.stuck_after`.
    public var stuck: [String: StuckDelivery]
    /// Whether to reset Synapse's backoff for a destination whose probes answer again (`probes.auto_reset`).
    public var autoReset: Bool

    public init(
        failing: [String: ProbeFailure] = [:], answering: Set<String> = [], answeredAt: [String: Timestamp] = [:],
        stuck: [String: StuckDelivery] = [:], autoReset: Bool = false
    ) {
        self.failing = failing
        self.answering = answering.union(answeredAt.keys)
        self.answeredAt = answeredAt
        self.stuck = stuck
        self.autoReset = autoReset
    }
}
