public import FedBotModels

extension CommandName {
    public static let show: CommandName = "show"
}

extension CommandSpec {
    /// `show SERVER`
    public static let show = CommandSpec(
        name: .show, positionals: [.required("SERVER")], summary: "one destination in detail",
        details: [
            "State, failing since (UTC and how long ago), retry interval, next retry, last successful delivery, shared rooms and how many of them have events waiting for delivery, whom to contact (from the server's support well-known).",
            "SERVER may be example.org, example.org:8448, [::1]:8448, a user ID, a room alias or a matrix.to link.",
        ], failure: "Could not show"
    ) { (arguments: inout Arguments) throws(CommandError) -> Action in
        .show(try arguments.server())
    }
}

/// A `show` reply: one destination, how many rooms it shares and how many of those wait for delivery.
public struct ShowReply: RenderableReply {
    public var destination: Destination
    /// Rooms shared with the destination (the rooms endpoint's `total`), nil when unknown.
    public var sharedRooms: Int?
    /// Shared rooms with events Synapse has not delivered yet; nil when not read.
    public var backlog: DeliveryBacklog?
    /// Whom to contact (the support well-known, from the check engine); nil leaves the line out.
    public var contact: Contact?

    /// The contact line's source: a check's report, or none within `show`'s short wait.
    public enum Contact: Equatable, Sendable {
        case checked(SupportContacts?)
        case notChecked
    }

    public init(
        destination: Destination, sharedRooms: Int?, backlog: DeliveryBacklog? = nil, contact: Contact? = nil
    ) {
        self.contact = contact
        self.destination = destination
        self.sharedRooms = sharedRooms
        self.backlog = backlog
    }

    /// From a backlog read: its shared-room total too.
    public init(destination: Destination, backlog: DeliveryBacklog, contact: Contact? = nil) {
        self.init(destination: destination, sharedRooms: backlog.sharedRooms, backlog: backlog, contact: contact)
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
        if let backlog, backlog.sharedRooms > 0 {
            lines.append(Self.waitingLine(backlog))
        }
        switch contact {
        case .checked(let support): lines.append(CheckReply.contact(support))
        case .notChecked: lines.append("Contact: not checked yet (\(context.command("check", name)))")
        case nil: break
        }
        var blocks: [Block] = [.line(title), .bullets(lines)]
        if health != .healthy {
            blocks.append(.line("To retry now: \(context.command("reset", name))"))
        }
        return Reply(blocks)
    }

    /// "3 shared rooms have events waiting for delivery", "No shared room has …", "≥ 2 … (first 10,000 read)".
    static func waitingLine(_ backlog: DeliveryBacklog) -> Inline {
        let rooms = { (count: Int) in count == 1 ? "1 shared room has" : "\(CountText.format(count)) shared rooms have"
        }
        switch backlog.waiting {
        case .unknown:
            return "Events waiting for delivery: unknown (nothing was ever delivered to it)"
        case .exactly(0):
            return "No shared room has events waiting for delivery"
        case .exactly(let count):
            return "\(rooms(count)) events waiting for delivery"
        case .atLeast(let count):
            return
                "≥ \(rooms(count)) events waiting for delivery (first \(CountText.format(backlog.roomsRead)) rooms read)"
        }
    }

    private func failingSince(_ since: Timestamp, _ context: RenderContext) -> Inline {
        "Failing since: \(TimeText.absolute(since)) (\(TimeText.relative(since, now: context.now)))"
    }
}
