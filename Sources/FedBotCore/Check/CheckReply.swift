public import FedBotModels

/// The `check` reply: a first line that stands alone in a notification (🟢/🟡/🔴, the server, what decided),
/// then one line per check (✅ ⚠️ ❌) with the value that matters, then whom to contact.
public struct CheckReply: RenderableReply {
    public var report: CheckReport
    /// Synapse's side beside the check: its record of the destination, when the admin API answered.
    public var synapse: SynapseSide?
    /// At most this many addresses are listed (a name may have many).
    public static let maximumAddresses = 4

    /// What Synapse's admin API says about the checked server.
    public enum SynapseSide: Sendable, Equatable {
        /// Its destination row, and how many shared rooms wait for delivery (nil when that read failed).
        case destination(Destination, DeliveryBacklog?)
        /// Synapse has never talked to it.
        case unknown
    }

    public init(report: CheckReport, synapse: SynapseSide? = nil) {
        self.report = report
        self.synapse = synapse
    }

    /// "Synapse: failing since 09:12 UTC (2h 13m ago), retry in 5m; 3 shared rooms have events waiting
    /// for delivery" — the destination's failure state and its delivery backlog, on one line.
    public static func synapseLine(_ side: SynapseSide, _ context: RenderContext) -> Inline {
        switch side {
        case .unknown:
            return "Synapse: no destination of that name (it has never sent to it)"
        case .destination(let destination, let backlog):
            let state: String
            switch destination.health(at: context.now) {
            case .healthy:
                state = "no failure recorded"
            case .failing(let since, _, let nextRetry):
                state =
                    "failing since \(TimeText.short(since, now: context.now)) (\(TimeText.relative(since, now: context.now))), next retry \(TimeText.relative(nextRetry, now: context.now))"
            case .recovering(let since, _):
                state =
                    "failing since \(TimeText.short(since, now: context.now)) (\(TimeText.relative(since, now: context.now))), retry due"
            }
            guard let backlog, backlog.sharedRooms > 0 else { return "Synapse: \(state)" }
            return "Synapse: \(state); " + ShowReply.waitingLine(backlog)
        }
    }

    /// `🔴 example.org: connection refused on 203.0.113.5:8448`
    public static func headline(_ report: CheckReport) -> Inline {
        let name = report.server.truncated(to: 100)
        switch report.verdict {
        case .green: return "🟢 \(bold: name) \(report.says)"
        case .yellow: return "🟡 \(bold: name) \(report.says)"
        case .red: return "🔴 \(bold: name): \(report.says)"
        }
    }

    public static func symbol(_ status: CheckStatus) -> String {
        switch status {
        case .ok: "✅"
        case .warning: "⚠️"
        case .failed: "❌"
        case .skipped: "⏭️"
        }
    }

    static func line(_ finding: CheckFinding) -> Inline {
        "\(symbol(finding.status)) \(finding.check.rawValue): \(finding.says.truncated(to: 200))"
    }

    /// `Contact: @admin:example.org (admin), admin@example.org; support page https://…` or "publishes no contact".
    public static func contact(_ support: SupportContacts?) -> Inline {
        guard let support else { return "Contact: publishes no contact" }
        var parts: [String] = support.contacts.prefix(3).map { contact in
            let who = [contact.matrixID, contact.email].compactMap { $0 }.joined(separator: ", ")
            let role = contact.role.map { $0.hasPrefix("m.role.") ? String($0.dropFirst(7)) : $0 }
            return role.map { "\(who) (\($0))" } ?? who
        }
        var inline: Inline = "Contact: \(parts.isEmpty ? "" : parts.joined(separator: "; "))"
        if let page = support.supportPage {
            parts.append(page)
            inline = inline + (parts.count > 1 ? "; support page " : "support page ") + .link(page, href: page)
        }
        return inline
    }

    public func render(_ context: RenderContext) -> Reply {
        var blocks: [Block] = [.line(Self.headline(report))]
        var lines: [Inline] = []
        if let discovery = report.discovery {
            lines.append(
                "✅ discovery: \(discovery.step) → Host \(code: discovery.hostHeader), TLS name \(code: discovery.tlsServerName)"
            )
        }
        lines += report.findings.filter { $0.check != .support }.map(Self.line)
        blocks.append(.bullets(lines))
        for address in report.addresses.prefix(Self.maximumAddresses) {
            blocks.append(.line("\(symbol(address)) \(bold: address.address)"))
            blocks.append(.bullets(address.findings.map(Self.line)))
        }
        if report.addresses.count > Self.maximumAddresses {
            blocks.append(.line("… \(report.addresses.count - Self.maximumAddresses) more addresses"))
        }
        if let support = report.findings.first(where: { $0.check == .support }), support.status == .warning {
            blocks.append(.line(Self.line(support)))
        }
        if let synapse {
            blocks.append(.line(Self.synapseLine(synapse, context)))
        }
        blocks.append(.line(Self.contact(report.support)))
        let age = context.now - Timestamp(milliseconds: report.checkedAt)
        if report.cached {
            blocks.append(
                .line(
                    "From the cache: checked \(HealthText.age(Timestamp(milliseconds: report.checkedAt), context.now)) ago."
                ))
        } else if age >= .zero {
            blocks.append(.line("Checked from my host in \(report.durationMilliseconds) ms."))
        }
        return Reply(blocks)
    }

    private func symbol(_ address: CheckAddressReport) -> String {
        if !address.works { return "❌" }
        return address.findings.contains { $0.status == .warning } ? "⚠️" : "✅"
    }
}
