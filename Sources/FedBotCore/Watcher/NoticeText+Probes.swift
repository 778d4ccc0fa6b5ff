public import FedBotModels

extension NoticeText {
    /// A probe or stuck-delivery notice: one server.
    static func probed(_ record: NoticeRecord, now: Timestamp, policy: WatcherPolicy) -> Reply {
        let name = record.servers.keys.sorted().first ?? ""
        let first = record.servers[name] ?? now
        var details: Inline = "Since \(TimeText.short(first, now: now))"
        if let rooms = record.sharedRooms[name] {
            details = details + " · \(CountText.plural(rooms, "shared room"))"
        }
        if let stuck = record.stuck {
            return Reply([
                .line(
                    "⏳ \(bold: name): events waiting for delivery for \(HealthText.age(stuck.since, now)) in \(CountText.plural(stuck.rooms, "room")); Synapse reports no failure"
                ),
                .line(
                    "Details: \(code: "\(policy.prefix) show \(name)") · to retry now: \(code: "\(policy.prefix) reset \(name)")"
                ),
            ])
        }
        let reason = record.probe.map { ProbeText.reason($0.result) } ?? "no answer"
        let synapse: Inline =
            if let joined = record.synapseSince {
                "; Synapse fails too since \(TimeText.short(joined, now: now))"
            } else {
                "; Synapse has not noticed yet"
            }
        return Reply([
            .line("⚠️ \(bold: name) not answering federation (probe: \(reason))" + synapse),
            .line(details),
            .line(
                "Details: \(code: "\(policy.prefix) check \(name)") · \(code: "\(policy.prefix) probes")"
            ),
        ])
    }

    /// The threaded reply when `probes.auto_reset` resets Synapse's backoff.
    public static func autoReset(_ server: String, policy: WatcherPolicy) -> Reply {
        Reply([
            .line(
                "🔁 \(bold: server) answers probes again: reset Synapse's backoff so that waiting events go now (probes.auto_reset)"
            )
        ])
    }

    /// The threaded reply when a stuck delivery resumed.
    public static func delivered(_ server: String, since: Timestamp, now: Timestamp) -> Reply {
        Reply([.line("✅ Deliveries to \(bold: server) resumed after \(HealthText.age(since, now))")])
    }
}

/// Probe results in words.
public enum ProbeText {
    /// The failing reason, at most 120 characters, on one line.
    public static func reason(_ result: ProbeResult) -> String {
        let line = result.reason.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let text = line.isEmpty ? (result.check.map { "\($0) failed" } ?? "failed") : line
        return text.count > 120 ? String(text.prefix(119)) + "…" : text
    }
}
