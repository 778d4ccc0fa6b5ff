public import FedBotModels

extension CommandName {
    public static let show: CommandName = "show"
}

extension CommandSpec {
    /// `show SERVER`
    public static let show = CommandSpec(
        name: .show, positionals: [.required("SERVER")], summary: "one destination in detail",
        details: [
            "State, failing since (UTC and how long ago), retry interval, next retry, last successful delivery and shared rooms.",
            "SERVER may be example.org, example.org:8448, [::1]:8448, a user ID, a room alias or a matrix.to link.",
        ], failure: "Could not show"
    ) { (arguments: inout Arguments) throws(CommandError) -> Action in
        .show(try arguments.server())
    }
}

/// A `show` reply: one destination and how many rooms it shares.
public struct ShowReply: RenderableReply {
    public var destination: Destination
    /// Rooms shared with the destination (the rooms endpoint's `total`), nil when unknown.
    public var sharedRooms: Int?

    public init(destination: Destination, sharedRooms: Int?) {
        self.destination = destination
        self.sharedRooms = sharedRooms
    }

    public func render(_ context: RenderContext) -> Reply {
        let name = destination.destination
        let health = destination.health(at: context.now)
        var lines: [Inline] = []
        let title: Inline
        switch health {
        case .healthy:
            title = "\(HealthText.symbol(health)) \(bold: name) is healthy"
            lines.append("No failure recorded.")
        case .failing(let since, let interval, let nextRetry):
            title = "\(HealthText.symbol(health)) \(bold: name) is failing"
            lines.append(failingSince(since, context))
            lines.append(
                "Retry interval: \(DurationText.format(interval)), next retry \(TimeText.short(nextRetry, now: context.now)) (\(TimeText.relative(nextRetry, now: context.now)))"
            )
        case .recovering(let since, let interval):
            title = "\(HealthText.symbol(health)) \(bold: name) is failing, retry due"
            lines.append(failingSince(since, context))
            lines.append(
                "Retry interval: \(DurationText.format(interval)), backoff over: the next message to it (or Synapse's catch-up within a minute) retries"
            )
        }
        if let ordering = destination.lastSuccessfulStreamOrdering {
            lines.append("Last successful delivery: stream position \(ordering)")
        } else {
            lines.append("Last successful delivery: never")
        }
        if let sharedRooms {
            // The `rooms` hint only when there is something to list.
            lines.append(
                sharedRooms > 0
                    ? "Shared rooms: \(CountText.format(sharedRooms)) (\(context.command("rooms", name)))"
                    : "Shared rooms: 0")
        }
        var blocks: [Block] = [.line(title), .bullets(lines)]
        if health != .healthy {
            blocks.append(.line("To retry now: \(context.command("reset", name))"))
        }
        return Reply(blocks)
    }

    private func failingSince(_ since: Timestamp, _ context: RenderContext) -> Inline {
        "Failing since: \(TimeText.absolute(since)) (\(TimeText.relative(since, now: context.now)))"
    }
}
