public import FedBotModels

extension CommandName {
    public static let mute: CommandName = "mute"
}

extension CommandSpec {
    /// `mute SERVER [DURATION|until-recovered]`
    public static let mute = CommandSpec(
        name: .mute, positionals: [.required("SERVER"), .optional("DURATION|until-recovered")],
        summary: "no failure notices for a server (default 24h)",
        details: [
            "DURATION like 30m, 2h or 7d (default 24h). Muted servers get no failure or recovery notices.",
            "until-recovered: no reminders while its incident is open; the recovery is still announced. A 🔇 reaction on the failure notice does the same.",
        ],
        needsWatcher: true, failure: "Could not mute"
    ) { (arguments: inout Arguments) throws(CommandError) -> Action in
        let server = try arguments.server()
        guard let word = arguments.nextPositional() else { return .mute(server, duration: MuteDuration.standard) }
        if word.lowercased() == MuteDuration.untilRecovered { return .muteUntilRecovered(server) }
        // DurationText's error says how to fix common mistakes ("2 hours": add a unit).
        let duration: Duration
        do throws(DurationTextError) {
            duration = try DurationText.parseOrThrow(word)
        } catch {
            throw arguments.error(error.description)
        }
        guard duration > .zero, duration <= MuteDuration.longest else {
            throw arguments.error("a mute needs a duration above 0 and up to 365d, like 2h or 7d")
        }
        return .mute(server, duration: duration)
    }
}

/// How long a mute lasts.
public enum MuteDuration {
    /// Without a DURATION.
    public static let standard: Duration = .seconds(24 * 3600)
    /// The longest mute: a year (longer is `notices.ignore`'s job).
    public static let longest: Duration = .seconds(365 * 24 * 3600)
    /// The word for a mute that ends with the incident.
    public static let untilRecovered = "until-recovered"
}

/// A `mute` reply.
public struct MuteReply: RenderableReply {
    public var server: ServerName
    /// When the mute ends.
    public var until: Timestamp

    public init(server: ServerName, until: Timestamp) {
        self.server = server
        self.until = until
    }

    public func render(_ context: RenderContext) -> Reply {
        Reply([
            .line(
                "🔕 Muted \(bold: server.rawValue) until \(TimeText.absolute(until)): no notices about it until then, or until \(context.command("unmute", server.rawValue))."
            )
        ])
    }
}

/// A `mute SERVER until-recovered` reply (also the answer to 🔇 on a notice).
public struct MuteUntilRecoveredReply: RenderableReply {
    public var server: ServerName
    /// Who muted (nil from a shell).
    public var by: String?
    /// False when the server has no open incident: nothing was muted.
    public var wasOpen: Bool

    public init(server: ServerName, by: String?, wasOpen: Bool) {
        self.server = server
        self.by = by
        self.wasOpen = wasOpen
    }

    public func render(_ context: RenderContext) -> Reply {
        guard wasOpen else {
            return Reply([
                .line(
                    "ℹ️ \(bold: server.rawValue) has no open incident: nothing to mute until it recovers. For a while instead: \(context.command("mute", server.rawValue, "2h"))."
                )
            ])
        }
        let who: Inline = by.map { " by \(code: $0.truncated(to: 255))" } ?? ""
        return Reply([
            .line(
                "🔇 \(bold: server.rawValue) muted" + who
                    + " until it recovers: no reminders; the recovery is still announced.")
        ])
    }
}
