public import FedBotModels

/// How an idempotent request is retried after transport errors, 5xx and 429.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included; 1 means no retry.
    public var maxAttempts: Int
    /// Backoff before the second attempt; doubles each time, with ±20 % jitter.
    public var initialBackoff: Duration
    /// Upper bound for one backoff.
    public var maxBackoff: Duration
    /// A 429 asking for a longer wait than this is not waited out but reported.
    public var maxRateLimitWait: Duration

    public init(
        maxAttempts: Int = 4, initialBackoff: Duration = .milliseconds(250), maxBackoff: Duration = .seconds(8),
        maxRateLimitWait: Duration = .seconds(60)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxRateLimitWait = maxRateLimitWait
    }

    /// Retry idempotent requests a few times.
    public static let idempotent = RetryPolicy()
    /// Never retry (for non-idempotent requests such as the admin API's POSTs).
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The wait before attempt `attempt + 1` after `error`, or nil when the error should be reported.
    public func delay(afterAttempt attempt: Int, error: MatrixError) -> Duration? {
        guard attempt < maxAttempts, error.isTransient else { return nil }
        if error.isRateLimited, let wait = error.retryAfter {
            return wait <= maxRateLimitWait ? wait : nil
        }
        var backoff = initialBackoff
        for _ in 1..<attempt { backoff = min(backoff * 2, maxBackoff) }
        let jitter = Double.random(in: 0.8...1.2)
        return min(backoff * jitter, maxBackoff)
    }
}
