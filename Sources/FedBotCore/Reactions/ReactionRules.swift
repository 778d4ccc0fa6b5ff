public import FedBotModels

/// What a button reaction on a notice asks for. Pure: the caller looks up the notice and the time.
public enum ReactionRules {
    /// The decision for one reaction.
    public enum Plan: Equatable, Sendable {
        /// Run these actions (the same ones the commands make), in order.
        case run([Action])
        /// The notice's incidents are over: answer once that they are.
        case over(recoveredAt: Timestamp)
        /// Not a notice the bot knows (or nothing left to do): no answer.
        case ignore
    }

    /// The plan for `button` on the notice `record` (nil when the notice is no longer open, and then
    /// `closedAt` says when it closed, if known).
    public static func plan(_ button: NoticeButton, notice record: NoticeRecord?, closedAt: Timestamp?) -> Plan {
        let open = record.map(openServers) ?? []
        guard !open.isEmpty else {
            return closedAt.map { .over(recoveredAt: $0) } ?? .ignore
        }
        switch button {
        case .reset:
            return .run(open.count == 1 ? [.reset(open[0])] : [.resetServers(open, confirmed: false)])
        case .acknowledge:
            return .run(open.map(Action.ack))
        case .mute:
            return .run(open.map(Action.muteUntilRecovered))
        }
    }

    /// The servers a notice announced that have not recovered yet, by name.
    public static func openServers(_ record: NoticeRecord) -> [ServerName] {
        record.servers.keys.filter { record.recovered[$0] == nil }.sorted().compactMap(ServerName.init)
    }
}

/// A bulk reset waiting for its ✅: who asked, which servers, until when.
public struct BulkResetConfirmation: Codable, Equatable, Sendable {
    public var requester: String
    public var servers: [String]
    public var expiresAt: Timestamp
    /// The thread the prompt is in, where the summary goes.
    public var threadRoot: String?

    public init(requester: String, servers: [String], expiresAt: Timestamp, threadRoot: String? = nil) {
        self.requester = requester
        self.servers = servers
        self.expiresAt = expiresAt
        self.threadRoot = threadRoot
    }

    public enum Decision: Equatable, Sendable {
        /// Reset these.
        case confirm([ServerName])
        /// Someone else's ✅: it does not count.
        case notRequester
        /// The ✅ came after the two minutes.
        case expired
    }

    /// What a ✅ by `sender` received at `time` does.
    public func decide(sender: String, at time: Timestamp) -> Decision {
        guard sender == requester else { return .notRequester }
        guard time <= expiresAt else { return .expired }
        return .confirm(servers.compactMap(ServerName.init))
    }
}

/// "This incident is over (recovered 10:42 UTC)": the answer to a button on a notice whose incidents
/// ended.
public struct IncidentOverReply: RenderableReply {
    public var recoveredAt: Timestamp

    public init(recoveredAt: Timestamp) {
        self.recoveredAt = recoveredAt
    }

    public func render(_ context: RenderContext) -> Reply {
        Reply([.line("ℹ️ This incident is over (recovered \(TimeText.short(recoveredAt, now: context.now))).")])
    }
}

/// The answer to a ✅ that came after the two minutes.
public struct ConfirmationExpiredReply: RenderableReply {
    public init() {}

    public func render(_ context: RenderContext) -> Reply {
        Reply([
            .line(
                "⌛ That ✅ came after the 2 minutes: nothing was reset. Ask again with \(context.command("reset", "--failing"))."
            )
        ])
    }
}
