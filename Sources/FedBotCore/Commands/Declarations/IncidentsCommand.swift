public import FedBotModels

extension CommandName {
    public static let incidents: CommandName = "incidents"
}

extension CommandSpec {
    /// `incidents`
    public static let incidents = CommandSpec(
        name: .incidents, summary: "open incidents, who acknowledged or muted them",
        details: [
            "Servers currently failing that I have announced or am tracking, oldest first, with who acknowledged or muted them, and the latest reset: who, when, and whether deliveries resumed."
        ], needsWatcher: true,
        failure: "Could not list incidents"
    ) { (_: inout Arguments) throws(CommandError) -> Action in
        .incidents
    }
}

/// An open incident as `incidents` lists it.
public struct IncidentSummary: Sendable, Equatable {
    public var server: String
    /// When the destination started failing.
    public var since: Timestamp
    /// Whether a notice was posted for it (false while it is younger than `notices.min_failing`, muted or
    /// ignored).
    public var announced: Bool
    /// End of a mute, if muted.
    public var mutedUntil: Timestamp?
    /// The mute lasts until it recovers (`mutedUntil` is then far ahead).
    public var mutedUntilRecovered: Bool
    /// Who muted it, when known.
    public var mutedBy: String?
    /// Who acknowledged it, and when.
    public var acknowledged: (by: String, at: Timestamp)?
    /// The latest reset during the incident, by whom and what its follow-up found.
    public var reset: IncidentReset?

    public init(
        server: String, since: Timestamp, announced: Bool, mutedUntil: Timestamp? = nil,
        mutedUntilRecovered: Bool = false, mutedBy: String? = nil, acknowledged: (by: String, at: Timestamp)? = nil,
        reset: IncidentReset? = nil
    ) {
        self.server = server
        self.since = since
        self.announced = announced
        self.mutedUntil = mutedUntil
        self.mutedUntilRecovered = mutedUntilRecovered
        self.mutedBy = mutedBy
        self.acknowledged = acknowledged
        self.reset = reset
    }

    public static func == (lhs: IncidentSummary, rhs: IncidentSummary) -> Bool {
        lhs.server == rhs.server && lhs.since == rhs.since && lhs.announced == rhs.announced
            && lhs.mutedUntil == rhs.mutedUntil && lhs.mutedUntilRecovered == rhs.mutedUntilRecovered
            && lhs.mutedBy == rhs.mutedBy && lhs.acknowledged?.by == rhs.acknowledged?.by
            && lhs.acknowledged?.at == rhs.acknowledged?.at && lhs.reset == rhs.reset
    }
}

/// An `incidents` reply.
public struct IncidentsReply: RenderableReply {
    public var incidents: [IncidentSummary]

    public init(incidents: [IncidentSummary]) {
        self.incidents = incidents
    }

    public func render(_ context: RenderContext) -> Reply {
        guard !incidents.isEmpty else { return Reply([.line("No open incidents. 🎉")]) }
        let sorted = incidents.sorted { $0.since != $1.since ? $0.since < $1.since : $0.server < $1.server }
        var items = sorted.map { incident -> Inline in
            var line: Inline =
                "🔴 \(code: incident.server) — failing for \(HealthText.age(incident.since, context.now)), since \(TimeText.short(incident.since, now: context.now))"
            let by: (String?) -> Inline = { who in who.map { " by \(code: $0.truncated(to: 255))" } ?? "" }
            if incident.mutedUntilRecovered {
                line = line + " (muted until it recovers" + by(incident.mutedBy) + ")"
            } else if let until = incident.mutedUntil, until > context.now {
                line = line + " (muted until \(TimeText.short(until, now: context.now))" + by(incident.mutedBy) + ")"
            } else if !incident.announced {
                line = line + " (not announced yet)"
            }
            if let ack = incident.acknowledged {
                line = line + " — 👀 acknowledged" + by(ack.by) + " at \(TimeText.short(ack.at, now: context.now))"
            }
            if let reset = incident.reset {
                line = line + " — 🔁 reset" + by(reset.by) + " at \(TimeText.short(reset.at, now: context.now))"
                if let checked = reset.checked {
                    line =
                        line
                        + (checked.resumed
                            ? ": deliveries resumed"
                            : ": still failing \(DurationText.format(checked.at - reset.at)) later")
                }
            }
            return line
        }
        var shown = items.count
        let title = Block.line("Open incidents: \(bold: CountText.format(incidents.count))")
        while shown > 1, Reply([title, .bullets(Array(items[..<shown]))]).size > Reply.sizeBudget {
            shown = shown * 3 / 4
        }
        items = Array(items[..<shown])
        var blocks = [title, .bullets(items)]
        if shown < incidents.count {
            blocks.append(
                .line("… \(CountText.format(incidents.count - shown)) more: \(context.command("list", "failing"))"))
        }
        return Reply(blocks)
    }
}
