public import FedBotModels

/// Where the services get the time: the wall clock (message times, due times, ages) and sleeps (backoff,
/// rate-limit waits, poll intervals, follow-ups, doorbell timeouts). The process meets the outside world
/// here, so tests inject a clock that advances when they say (`ManualClock` in the unit tests).
public protocol BotClock: Sendable {
    /// The wall-clock time now.
    var now: Timestamp { get }
    /// Returns after `duration` has passed on this clock; throws `CancellationError` when the task is
    /// cancelled first.
    func sleep(for duration: Duration) async throws
}

/// The real clock: `Timestamp.now()` and `Task.sleep`.
public struct SystemClock: BotClock {
    public init() {}

    public var now: Timestamp { Timestamp.now() }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

/// A `BotClock` as a Swift `Clock`, for `HomeserverConnection`'s retry sleeps: its instants are the
/// continuous clock's, its sleeps are the bot clock's.
public struct BotClockSleeper: Clock {
    public typealias Duration = Swift.Duration
    public typealias Instant = ContinuousClock.Instant

    let base: any BotClock

    public init(_ base: any BotClock) {
        self.base = base
    }

    public var now: Instant { ContinuousClock.now }
    public var minimumResolution: Duration { .milliseconds(1) }

    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try await base.sleep(for: deadline - ContinuousClock.now)
    }
}
