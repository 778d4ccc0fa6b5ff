public import FedBotModels

extension CommandName {
    public static let mute: CommandName = "mute"
}

extension CommandSpec {
    /// `mute SERVER [DURATION]`
    public static let mute = CommandSpec(
        name: .mute, positionals: [.required("SERVER"), .optional("DURATION")],
        summary: "no failure notices for a server (default 24h)",
        details: ["DURATION like 30m, 2h or 7d (default 24h). Muted servers get no failure or recovery notices."],
        needsWatcher: true, failure: "Could not mute"
    ) { (arguments: inout Arguments) throws(CommandError) -> Action in
        let server = try arguments.server()
        guard let word = arguments.nextPositional() else { return .mute(server, duration: MuteDuration.standard) }
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
