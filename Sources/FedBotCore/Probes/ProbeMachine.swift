public import FedBotModels

/// What the bot remembers about one probed server.
public struct ProbeRecord: Codable, Equatable, Sendable {
    public var server: String
    /// The last probe's result and when it ran.
    public var last: ProbeResult
    public var lastAt: Timestamp
    /// The first probe of the current run of answers or failures: "since when" in `!fed probes`.
    public var since: Timestamp
    /// Failed probes in a row (0 after an answer).
    public var consecutiveFailures: Int
    /// When the server is due again.
    public var nextAt: Timestamp

    public init(
        server: String, last: ProbeResult, lastAt: Timestamp, since: Timestamp, consecutiveFailures: Int,
        nextAt: Timestamp
    ) {
        self.server = server
        self.last = last
        self.lastAt = lastAt
        self.since = since
        self.consecutiveFailures = consecutiveFailures
        self.nextAt = nextAt
    }
}

/// The probe settings (`probes.*`) the machine needs.
public struct ProbePolicy: Sendable, Equatable {
    public var interval: Duration
    /// Consecutive failures before a server counts as failing.
    public var failures: Int
    /// A server failing this long is probed half as often (a quarter after twice that long; see `delay`).
    public var slowAfter: Duration
    /// A server that keeps failing is probed at most this many times less often.
    public var maxSlowdown: Int
    /// Each interval is stretched by up to this share, at random, so that probes do not bunch up.
    public var jitterShare: Double

    public init(
        interval: Duration = .seconds(300), failures: Int = 3, slowAfter: Duration = .seconds(3600),
        maxSlowdown: Int = 4, jitterShare: Double = 0.1
    ) {
        self.slowAfter = slowAfter
        self.interval = interval
        self.failures = max(1, failures)
        self.maxSlowdown = max(1, maxSlowdown)
        self.jitterShare = min(max(jitterShare, 0), 1)
    }
}

/// Probe scheduling and the failing/answering verdicts, without I/O or clock: the probe service feeds
/// results with the time and a random number, and stores the records.
public enum ProbeMachine {
    /// What one result changed.
    public enum Change: Equatable, Sendable {
        case none
        /// The server just reached `failures` consecutive failures.
        case startedFailing
        /// The server answered after having been failing.
        case answersAgain
    }

    /// The record after `result`. `jitter` is a number in 0..<1 (the caller's randomness).
    public static func record(
        _ previous: ProbeRecord?, server: String, result: ProbeResult, now: Timestamp, policy: ProbePolicy,
        jitter: Double
    ) -> (ProbeRecord, Change) {
        let failures = result.ok ? 0 : (previous?.consecutiveFailures ?? 0) + 1
        let sameRun = previous.map { $0.last.ok == result.ok } ?? false
        let since = sameRun ? (previous?.since ?? now) : now
        let next = now + delay(failingFor: result.ok ? nil : now - since, policy: policy, jitter: jitter)
        let record = ProbeRecord(
            server: server, last: result, lastAt: now, since: since, consecutiveFailures: failures, nextAt: next)
        let wasFailing = (previous?.consecutiveFailures ?? 0) >= policy.failures
        let change: Change =
            if !result.ok, failures == policy.failures { .startedFailing } else if result.ok, wasFailing {
                .answersAgain
            } else { .none }
        return (record, change)
    }

    /// The wait before the next probe: the interval, stretched by the jitter; for a server failing for
    /// `slowAfter` or longer, twice the interval, and `maxSlowdown` times it after twice that long. A server
    /// that went down recently keeps the full pace, so that it is confirmed within `interval × failures`
    /// and its return (and `probes.auto_reset`) is seen within one interval.
    public static func delay(failingFor: Duration?, policy: ProbePolicy, jitter: Double) -> Duration {
        var factor = 1
        if let failingFor, policy.slowAfter > .zero, failingFor >= policy.slowAfter {
            let steps = min(Int(failingFor / policy.slowAfter), 20)
            factor = min(policy.maxSlowdown, 1 << steps)
        }
        let stretch = min(max(jitter, 0), 1) * policy.jitterShare
        return policy.interval * factor + policy.interval * stretch
    }

    /// The targets due at `now`, most overdue first (new ones, never probed, before all others); at most `limit`.
    public static func due(_ targets: [String], records: [String: ProbeRecord], now: Timestamp, limit: Int)
        -> [String]
    {
        let due = targets.filter { records[$0].map { $0.nextAt <= now } ?? true }
        let sorted = due.sorted { lhs, rhs in
            let (l, r) = (records[lhs]?.nextAt, records[rhs]?.nextAt)
            switch (l, r) {
            case (nil, nil): return lhs < rhs
            case (nil, _): return true
            case (_, nil): return false
            case (let l?, let r?): return l != r ? l < r : lhs < rhs
            }
        }
        return Array(sorted.prefix(max(0, limit)))
    }

    /// What the watcher needs from the records: the failing servers with the first failure of their run,
    /// and the ones whose last probe answered.
    public static func observation(_ records: [String: ProbeRecord], policy: ProbePolicy) -> ProbeObservation {
        var observation = ProbeObservation()
        for (name, record) in records {
            if record.last.ok {
                observation.answering.insert(name)
                observation.answeredAt[name] = record.lastAt
            } else if record.consecutiveFailures >= policy.failures {
                observation.failing[name] = ProbeFailure(since: record.since, result: record.last)
            }
        }
        return observation
    }
}
