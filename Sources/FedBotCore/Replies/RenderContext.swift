public import FedBotModels

/// What every renderer needs besides its data: the command prefix for hints, and the time to measure from.
public struct RenderContext: Sendable {
    public var prefix: String
    public var now: Timestamp

    public init(prefix: String, now: Timestamp) {
        self.prefix = prefix
        self.now = now
    }

    /// `!fed rooms example.org`: a command hint, monospace in HTML.
    public func command(_ words: String...) -> Inline {
        .code(([prefix] + words).joined(separator: " "))
    }

    public func command(words: [String]) -> Inline {
        .code(([prefix] + words).joined(separator: " "))
    }
}

/// The words and symbols for a destination's health, shared by replies and notices.
public enum HealthText {
    public static func symbol(_ health: DestinationHealth) -> String {
        switch health {
        case .healthy: "🟢"
        case .failing: "🔴"
        case .recovering: "🟡"
        }
    }

    /// `failing for 2h 13m, next retry in 4m` / `failing for 2h 13m, retry due on next send` / `healthy`.
    public static func summary(_ health: DestinationHealth, now: Timestamp) -> String {
        switch health {
        case .healthy:
            return "healthy"
        case .failing(let since, _, let nextRetry):
            return "failing for \(age(since, now)), next retry \(TimeText.relative(nextRetry, now: now))"
        case .recovering(let since, _):
            return "failing for \(age(since, now)), retry due on next send"
        }
    }

    /// How long since `time`, never negative; `<1s` for the first second.
    public static func age(_ time: Timestamp, _ now: Timestamp) -> String {
        let age = now - time
        return age < .seconds(1) ? "<1s" : DurationText.format(age)
    }
}
