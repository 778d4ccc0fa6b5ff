import FedBotModels

extension CommandName {
    public static let probes: CommandName = "probes"
}

extension CommandSpec {
    /// `probes`
    public static let probes = CommandSpec(
        name: .probes, summary: "the actively probed servers, last result and latency",
        details: [
            "Servers in probes.servers and probes.top_shared, failing first: the last probe's result, its latency "
                + "and since when the server answers or fails."
        ], needsWatcher: true, failure: "Could not list probes"
    ) { (_: inout Arguments) throws(CommandError) -> Action in
        .probes
    }
}

/// A `probes` reply: the probe records, failing first.
public struct ProbesReply: RenderableReply {
    /// The probed servers' records; targets not probed yet are in `pending`.
    public var records: [ProbeRecord]
    /// Targets without a result yet.
    public var pending: [String]
    /// Consecutive failures that make a server failing (`probes.failures`).
    public var failures: Int
    /// False when nothing is configured to be probed.
    public var enabled: Bool

    public init(records: [ProbeRecord], pending: [String] = [], failures: Int, enabled: Bool) {
        self.records = records
        self.pending = pending
        self.failures = failures
        self.enabled = enabled
    }

    public func render(_ context: RenderContext) -> Reply {
        guard enabled else {
            return Reply([.line("No servers are probed: set probes.servers or probes.top_shared in the config.")])
        }
        let now = context.now
        let sorted = records.sorted { lhs, rhs in
            let (l, r) = (lhs.consecutiveFailures, rhs.consecutiveFailures)
            return (l > 0) != (r > 0) ? l > 0 : lhs.server < rhs.server
        }
        let failing = records.count { $0.consecutiveFailures >= failures }
        var items: [Inline] = sorted.prefix(Self.listLimit).map { record in
            if record.last.ok {
                let latency = record.last.latencyMilliseconds.map { "\(CountText.format($0)) ms" } ?? "answers"
                return "🟢 \(code: record.server) — \(latency), answering for \(HealthText.age(record.since, now))"
            }
            let mark = record.consecutiveFailures >= failures ? "🔴" : "🟡"
            let check = record.last.check.map { " (\($0))" } ?? ""
            return
                "\(mark) \(code: record.server) — \(ProbeText.reason(record.last))\(check), failing for \(HealthText.age(record.since, now)), \(CountText.plural(record.consecutiveFailures, "failed probe"))"
        }
        if sorted.count > Self.listLimit {
            items.append("… and \(CountText.format(sorted.count - Self.listLimit)) more")
        }
        let probed = records.count + pending.count
        var blocks: [Block] = [
            .line(
                "Probes: \(bold: CountText.format(probed)) \(probed == 1 ? "server" : "servers"), \(CountText.format(failing)) failing"
            )
        ]
        if !items.isEmpty { blocks.append(.bullets(items)) }
        if !pending.isEmpty {
            blocks.append(.line("Not probed yet: \(CountText.plural(pending.count, "server"))"))
        }
        return Reply(blocks)
    }

    static let listLimit = 50
}
