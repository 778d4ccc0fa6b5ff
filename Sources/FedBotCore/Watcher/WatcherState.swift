public import FedBotModels

/// A destination the watcher saw failing, from the poll that found it until it recovers.
public struct Incident: Codable, Equatable, Sendable {
    public var server: String
    /// Synapse's `failure_ts` when the incident opened: when federation with it started failing. Never later than
    /// `detectedAt` (Synapse's clock may be ahead of the bot's).
    public var since: Timestamp
    /// The poll that first saw it.
    public var detectedAt: Timestamp
    /// The notice that announced it (a failure, group, baseline or outage notice), nil while unannounced
    /// (younger than `notices.min_failing`, or muted).
    public var noticeKey: String?
    /// When it was announced or last reminded about.
    public var lastNoticeAt: Timestamp?
    /// Rooms shared with it, when known.
    public var sharedRooms: Int?
    /// Its `last_successful_stream_ordering` while failing (Synapse freezes it during an outage): a higher
    /// value later proves that deliveries resumed. Nil when nothing was ever delivered (or for incidents
    /// stored before this was kept).
    public var lastDelivery: Int64?
    /// The first poll that found it no longer failing, while that waits to be confirmed.
    public var clearedAt: Timestamp?
    /// The probes' side while they fail (`probes.failures` in a row): it ends only when probes and Synapse
    /// agree that the server is back.
    public var probe: ProbeFailure?
    /// Events waiting on a destination Synapse calls healthy (a stuck-delivery incident).
    public var stuck: StuckDelivery?
    /// When `probes.auto_reset` reset Synapse's backoff for it (once per incident).
    public var autoResetAt: Timestamp?

    public init(
        server: String, since: Timestamp, detectedAt: Timestamp, noticeKey: String? = nil,
        lastNoticeAt: Timestamp? = nil, sharedRooms: Int? = nil, lastDelivery: Int64? = nil,
        clearedAt: Timestamp? = nil, probe: ProbeFailure? = nil, stuck: StuckDelivery? = nil
    ) {
        self.probe = probe
        self.stuck = stuck
        self.server = server
        self.since = since
        self.detectedAt = detectedAt
        self.noticeKey = noticeKey
        self.lastNoticeAt = lastNoticeAt
        self.sharedRooms = sharedRooms
        self.lastDelivery = lastDelivery
        self.clearedAt = clearedAt
    }
}

/// A notice the watcher posted, kept so that recoveries can edit it.
public struct NoticeRecord: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// One destination started failing.
        case failure
        /// Several started failing in the same poll.
        case group
        /// The first poll: destinations already failing.
        case baseline
        /// So many active destinations failed at once that this homeserver may be cut off.
        case outage
        /// Probes failed before Synapse recorded anything.
        case probe
        /// Events waiting on a destination Synapse calls healthy.
        case stuck
    }

    public var key: String
    public var kind: Kind
    public var postedAt: Timestamp
    /// The destinations it announced, with when each started failing.
    public var servers: [String: Timestamp]
    /// Shared rooms per destination, when known.
    public var sharedRooms: [String: Int]
    /// Destinations that recovered since, with when the watcher saw it.
    public var recovered: [String: Timestamp]
    /// Active destinations at the time (outage notices).
    public var activeDestinations: Int?
    /// How many of the announced destinations were themselves active (outage notices), when known.
    public var activeFailing: Int?
    /// What the probes found (probe notices).
    public var probe: ProbeFailure?
    /// When Synapse's own failure joined a probe notice.
    public var synapseSince: Timestamp?
    /// The waiting events (stuck notices).
    public var stuck: StuckDelivery?

    public init(
        key: String, kind: Kind, postedAt: Timestamp, servers: [String: Timestamp], sharedRooms: [String: Int] = [:],
        recovered: [String: Timestamp] = [:], activeDestinations: Int? = nil, activeFailing: Int? = nil
    ) {
        self.activeFailing = activeFailing
        self.key = key
        self.kind = kind
        self.postedAt = postedAt
        self.servers = servers
        self.sharedRooms = sharedRooms
        self.recovered = recovered
        self.activeDestinations = activeDestinations
    }

    /// True once every destination it announced has recovered.
    public var isResolved: Bool { recovered.count >= servers.count }
}

/// Everything the watcher remembers between polls. Stored as one value, in the same transaction as the
/// notices a poll produces.
public struct WatcherState: Codable, Equatable, Sendable {
    /// False until the first poll took the baseline.
    public var baselineTaken: Bool
    public var incidents: [String: Incident]
    /// Notices that still have unrecovered destinations (resolved ones are dropped).
    public var notices: [String: NoticeRecord]
    public var lastPoll: Timestamp?
    /// Counter for notice keys, so that every notice has a unique one.
    public var nextNoticeNumber: Int
    /// Notices no longer open, with when they closed (the last recovery): a button pressed on one is
    /// answered "this incident is over". The newest `closedNoticesKept`; nil in states stored before this.
    public var closedNotices: [String: Timestamp]?

    /// How many closed notices are remembered.
    public static let closedNoticesKept = 500

    /// Remembers that notice `key` closed at `time`, forgetting the oldest beyond `closedNoticesKept`.
    mutating func close(_ key: String, at time: Timestamp) {
        var closed = closedNotices ?? [:]
        closed[key] = time
        if closed.count > Self.closedNoticesKept {
            let oldest = closed.sorted { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }
            for (key, _) in oldest.prefix(closed.count - Self.closedNoticesKept) { closed[key] = nil }
        }
        closedNotices = closed
    }

    public init(
        baselineTaken: Bool = false, incidents: [String: Incident] = [:], notices: [String: NoticeRecord] = [:],
        lastPoll: Timestamp? = nil, nextNoticeNumber: Int = 1
    ) {
        self.baselineTaken = baselineTaken
        self.incidents = incidents
        self.notices = notices
        self.lastPoll = lastPoll
        self.nextNoticeNumber = nextNoticeNumber
    }
}

/// What one poll saw.
public struct PollObservation: Sendable {
    public var now: Timestamp
    /// Every destination Synapse records as failing (`failure_ts` set), after re-checking open incidents.
    public var failing: [Destination]
    /// How many destinations Synapse knows.
    public var total: Int
    /// Rooms shared with destinations, where the poller looked them up.
    public var sharedRooms: [String: Int]
    /// Destinations with recent successful traffic, when known (for the "cut off" check).
    public var activeDestinations: Int?
    /// Failing destinations that had recent successful traffic themselves, when known: only those count
    /// towards "this homeserver may be cut off" (a dead server nobody talks to says nothing about us).
    public var activeFailing: Set<String>?
    /// Open incidents that a direct look-up found no longer failing, with the row it returned. An open
    /// incident in neither `failing` nor here is gone from Synapse (or ignored now): it ends at once.
    public var cleared: [String: Destination]
    /// What the probes know; nil when nothing is probed.
    public var probes: ProbeObservation?
    /// Open incidents whose re-check got no answer (timeout, 5xx, not asked this poll): they are in `failing`
    /// since they began so that nothing recovers on an error, but that is no news from Synapse — a probe
    /// incident is not joined by "Synapse fails too", a stuck delivery does not turn into a failure.
    public var unanswered: Set<String>

    public init(
        now: Timestamp, failing: [Destination], total: Int, sharedRooms: [String: Int] = [:],
        activeDestinations: Int? = nil, cleared: [String: Destination] = [:], activeFailing: Set<String>? = nil,
        probes: ProbeObservation? = nil, unanswered: Set<String> = []
    ) {
        self.unanswered = unanswered
        self.probes = probes
        self.activeFailing = activeFailing
        self.now = now
        self.failing = failing
        self.total = total
        self.sharedRooms = sharedRooms
        self.activeDestinations = activeDestinations
        self.cleared = cleared
    }
}

/// The watcher's settings (from `notices.*`).
public struct WatcherPolicy: Sendable {
    /// Announce only failures older than this.
    public var minFailing: Duration
    /// Never announce these.
    public var ignore: [Glob]
    /// Remind about incidents still open after this long; zero for never.
    public var remindEvery: Duration
    /// At least this many destinations failing together…
    public var outageMinimum: Int
    /// …and at least this share of the active ones means "this homeserver may be cut off".
    public var outageShare: Double
    /// Destinations listed by name in one notice; the rest are counted.
    public var listLimit: Int
    /// The command prefix, for the next steps a notice suggests.
    public var prefix: String
    /// A destination whose failure Synapse cleared without a new delivery is called recovered only after
    /// this long. A `reset` clears the failure at once, but while a request to a hung peer is still in
    /// flight Synapse puts the old failure back when that request times out (60 s by default): without
    /// the wait that would read as "recovered", then as a new failure. A delivery (a higher
    /// `last_successful_stream_ordering`) confirms a recovery at once.
    public var recoveryConfirmation: Duration

    public init(
        minFailing: Duration = .zero, ignore: [Glob] = [], remindEvery: Duration = .zero, outageMinimum: Int = 10,
        outageShare: Double = 0.5, listLimit: Int = 15, prefix: String = "!fed",
        recoveryConfirmation: Duration = .seconds(90)
    ) {
        self.prefix = prefix
        self.recoveryConfirmation = recoveryConfirmation
        self.minFailing = minFailing
        self.ignore = ignore
        self.remindEvery = remindEvery
        self.outageMinimum = outageMinimum
        self.outageShare = outageShare
        self.listLimit = listLimit
    }

    func ignores(_ server: String) -> Bool {
        ignore.contains { $0.matches(server) }
    }
}

/// What the watcher asks to post.
public enum NoticeAction: Equatable, Sendable {
    /// A new notice, identified by `key`.
    case post(key: String, reply: Reply)
    /// Replace the content of notice `key` (an `m.replace` edit), as edit number `revision`.
    case edit(key: String, revision: String, reply: Reply)
    /// A message in the thread of notice `key`, identified by `replyKey`.
    case threadReply(key: String, replyKey: String, reply: Reply)
}
