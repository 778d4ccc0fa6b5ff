public import FedBotModels

extension CommandName {
    public static let incidents: CommandName = "incidents"
}

extension CommandSpec {
    /// `incidents`
    public static let incidents = CommandSpec(
        name: .incidents, summary: "open incidents, oldest first",
        details: ["Servers currently failing that I have announced or am tracking, oldest first."], needsWatcher: true,
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

    public init(server: String, since: Timestamp, announced: Bool, mutedUntil: Timestamp? = nil) {
        self.server = server
        self.since = since
        self.announced = announced
        self.mutedUntil = mutedUntil
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
            if let until = incident.mutedUntil, until > context.now {
                line = line + " (muted until \(TimeText.short(until, now: context.now)))"
            } else if !incident.announced {
                line = line + " (not announced yet)"
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
