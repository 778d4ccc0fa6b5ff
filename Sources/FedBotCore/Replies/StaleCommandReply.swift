public import FedBotModels

/// The answer to a command that waited longer than `bot.max_command_age` before it could run (the bot
/// was stopped or crashed after receiving it): it is not run, since the situation it was meant for may
/// be over (a `reset` three days late is not what anyone asked for).
public struct StaleCommandReply: RenderableReply {
    public var sentAt: Timestamp
    public var maxAge: Duration

    public init(sentAt: Timestamp, maxAge: Duration) {
        self.sentAt = sentAt
        self.maxAge = maxAge
    }

    /// Whether a command the bot accepted at `receivedAt` (young enough then) waited too long to run at
    /// `now`.
    public static func isStale(receivedAt: Timestamp, now: Timestamp, maxAge: Duration) -> Bool {
        now - receivedAt > maxAge
    }

    public func render(_ context: RenderContext) -> Reply {
        Reply([
            .line(
                "⏱️ Not run: this command was sent \(TimeText.relative(sentAt, now: context.now)), longer ago than bot.max_command_age (\(DurationText.format(maxAge))), while I could not answer. Send it again if you still want it."
            )
        ])
    }
}
