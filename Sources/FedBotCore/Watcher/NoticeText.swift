public import FedBotModels

/// Notice texts, short on a phone: the first line says what and since when, and stands alone in a
/// notification; rooms and next steps follow.
public enum NoticeText {
    /// The notice as first posted.
    public static func posted(_ record: NoticeRecord, now: Timestamp, policy: WatcherPolicy) -> Reply {
        let servers = sortedServers(record)
        let first = record.servers.values.min() ?? now
        switch record.kind {
        case .probe, .stuck:
            return probed(record, now: now, policy: policy)
        case .failure:
            let name = servers.first ?? ""
            var details: Inline = "Failing for \(HealthText.age(first, now))"
            if let rooms = record.sharedRooms[name] {
                details = details + " · \(CountText.plural(rooms, "shared room"))"
            }
            return Reply([
                .line("⚠️ \(bold: name) unreachable since \(TimeText.short(first, now: now))"),
                .line(details),
                .line(
                    "Details: \(code: "\(policy.prefix) show \(name)") · once it is back: \(code: "\(policy.prefix) reset \(name)")"
                ),
            ])
        case .group:
            return Reply(
                [
                    .line(
                        "⚠️ \(bold: CountText.format(servers.count)) servers unreachable since \(TimeText.short(first, now: now))"
                    )
                ]
                    + list(record, servers, now: now, policy: policy)
                    + [
                        .line(
                            "Details: \(code: "\(policy.prefix) show SERVER") · once back: \(code: "\(policy.prefix) reset SERVER")"
                        )
                    ])
        case .outage:
            let active = record.activeDestinations.map { " of \(CountText.format($0)) active" } ?? ""
            let failing = record.activeFailing ?? servers.count
            let inAll = failing == servers.count ? "" : " (\(CountText.format(servers.count)) in all)"
            return Reply(
                [
                    .line(
                        "🚨 Homeserver cut off? \(bold: CountText.format(failing))\(active) servers unreachable since \(TimeText.short(first, now: now))\(inAll)"
                    ),
                    .line(
                        "So many failing at once points at this server's network, DNS, TLS or firewall rather than at the remote servers."
                    ),
                ] + list(record, servers, now: now, policy: policy)
                    + [.line("Check: \(code: "\(policy.prefix) status") · \(code: "\(policy.prefix) list failing")")])
        case .baseline:
            return Reply(
                [
                    .line(
                        "ℹ️ Watching federation: \(bold: CountText.format(servers.count)) \(servers.count == 1 ? "server is" : "servers are") already failing"
                    )
                ] + list(record, servers, now: now, policy: policy)
                    + [.line("I will post here when they recover and when others start failing.")])
        }
    }

    /// The notice after recoveries: resolved entries marked, or all resolved.
    public static func edited(_ record: NoticeRecord, now: Timestamp) -> Reply {
        let servers = sortedServers(record)
        let first = record.servers.values.min() ?? now
        if record.kind == .stuck, let name = servers.first {
            return Reply([.line("✅ Deliveries to \(bold: name) resumed after \(HealthText.age(first, now))")])
        }
        if servers.count == 1, let name = servers.first {
            let end = record.recovered[name] ?? now
            return Reply([
                .line(
                    "✅ \(bold: name) recovered after \(HealthText.age(first, end)) (unreachable \(TimeText.short(first, now: now))–\(TimeText.short(end, now: now)))"
                )
            ])
        }
        let title: Inline
        var context: [Block] = []
        if record.isResolved {
            title =
                "✅ All \(CountText.format(servers.count)) servers recovered (unreachable since \(TimeText.short(first, now: now)))"
        } else {
            let what = record.kind == .baseline ? "failing" : "unreachable"
            if record.kind == .outage {
                context = [.line("They failed at once: this homeserver may have been cut off.")]
            }
            title =
                "⚠️ \(CountText.format(servers.count - record.recovered.count)) of \(CountText.format(servers.count)) servers still \(what) (since \(TimeText.short(first, now: now))), \(CountText.format(record.recovered.count)) recovered"
        }
        let limit = 15
        var items: [Inline] = servers.prefix(limit).map { name in
            let since = record.servers[name] ?? first
            if let back = record.recovered[name] {
                return "✅ \(code: name) — recovered after \(HealthText.age(since, back))"
            }
            return "🔴 \(code: name) — since \(TimeText.short(since, now: now))"
        }
        if servers.count > limit {
            items.append("… and \(CountText.format(servers.count - limit)) more")
        }
        return Reply([.line(title)] + context + [.bullets(items)])
    }

    /// The threaded reply when a destination recovers.
    public static func recovered(_ server: String, since: Timestamp, now: Timestamp) -> Reply {
        Reply([.line("✅ \(bold: server) recovered after \(HealthText.age(since, now))")])
    }

    /// The threaded reminder for incidents still open.
    public static func reminder(_ incidents: [Incident], now: Timestamp, policy: WatcherPolicy) -> Reply {
        guard incidents.count > 1, let first = incidents.first else {
            let incident = incidents.first
            return Reply([
                .line(
                    "⏰ \(bold: incident?.server ?? "") still unreachable after \(HealthText.age(incident?.since ?? now, now))"
                )
            ])
        }
        var items: [Inline] = incidents.prefix(policy.listLimit).map { incident in
            "\(code: incident.server) — failing for \(HealthText.age(incident.since, now))"
        }
        if incidents.count > policy.listLimit {
            items.append(
                "… and \(CountText.format(incidents.count - policy.listLimit)) more: \(code: "\(policy.prefix) incidents")"
            )
        }
        return Reply([
            .line(
                "⏰ \(CountText.format(incidents.count)) servers still unreachable, the first for \(HealthText.age(first.since, now))"
            ),
            .bullets(items),
        ])
    }

    /// Oldest failure first, then by name.
    static func sortedServers(_ record: NoticeRecord) -> [String] {
        record.servers.keys.sorted { lhs, rhs in
            let (l, r) = (
                record.servers[lhs] ?? Timestamp(milliseconds: 0), record.servers[rhs] ?? Timestamp(milliseconds: 0)
            )
            return l != r ? l < r : lhs < rhs
        }
    }

    static func list(_ record: NoticeRecord, _ servers: [String], now: Timestamp, policy: WatcherPolicy) -> [Block] {
        var items: [Inline] = servers.prefix(policy.listLimit).map { name in
            var line: Inline = "\(code: name) — since \(TimeText.short(record.servers[name] ?? now, now: now))"
            if let rooms = record.sharedRooms[name] { line = line + ", \(CountText.plural(rooms, "room"))" }
            return line
        }
        if servers.count > policy.listLimit {
            items.append(
                "… and \(CountText.format(servers.count - policy.listLimit)) more: \(code: "\(policy.prefix) list failing")"
            )
        }
        return [.bullets(items)]
    }
}
