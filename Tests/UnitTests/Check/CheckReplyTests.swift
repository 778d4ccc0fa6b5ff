import FedBotCore
import FedBotModels
import Testing

/// The `check` reply, word for word.
@Suite struct CheckReplyTests {
    let context = RenderContext(prefix: "!fed", now: Timestamp(milliseconds: 1_795_519_530_000))

    func report(verdict: CheckVerdict, check: CheckID?, says: String, cached: Bool = false) -> CheckReport {
        CheckReport(
            server: "matrix.example.net", verdict: verdict, check: check, says: says,
            discovery: CheckDiscovery(
                step: "SRV _matrix-fed._tcp", delegatedTo: nil, hostHeader: "matrix.example.net",
                tlsServerName: "matrix.example.net", targets: [CheckTarget(host: "fed.example.net", port: 8448)]),
            findings: [
                CheckFinding(.wellKnown, .ok, "no well-known file (HTTP 404)"),
                CheckFinding(.srv, .ok, "_matrix-fed._tcp → fed.example.net:8448"),
                CheckFinding(.dns, .ok, "1 address"),
                CheckFinding(.support, .ok, "1 contact"),
            ],
            addresses: [
                CheckAddressReport(
                    address: "203.0.113.5:8448",
                    findings: [
                        CheckFinding(.connect, .ok, "12 ms"), CheckFinding(.tls, .ok, "TLS 1.3"),
                        CheckFinding(.certificate, .failed, "TLS certificate expired 3 days ago"),
                        CheckFinding(.version, .skipped, "not asked"),
                    ])
            ],
            support: SupportContacts(
                contacts: [.init(matrixID: "@admin:example.net", email: "admin@example.net", role: "m.role.admin")],
                supportPage: nil),
            checkedAt: 1_795_519_500_000, durationMilliseconds: 312, cached: cached)
    }

    @Test func redReply() {
        let reply = CheckReply(
            report: report(
                verdict: .red, check: .certificate, says: "TLS certificate expired 3 days ago on 203.0.113.5:8448")
        ).render(context)
        #expect(
            reply.plain == """
                🔴 matrix.example.net: TLS certificate expired 3 days ago on 203.0.113.5:8448
                • ✅ discovery: SRV _matrix-fed._tcp → Host matrix.example.net, TLS name matrix.example.net
                • ✅ well-known: no well-known file (HTTP 404)
                • ✅ srv: _matrix-fed._tcp → fed.example.net:8448
                • ✅ dns: 1 address
                ❌ 203.0.113.5:8448
                • ✅ connect: 12 ms
                • ✅ tls: TLS 1.3
                • ❌ certificate: TLS certificate expired 3 days ago
                • ⏭️ version: not asked
                Contact: @admin:example.net, admin@example.net (admin)
                Checked from my host in 312 ms.
                """)
        #expect(
            reply.html.hasPrefix(
                "<p>🔴 <b>matrix.example.net</b>: TLS certificate expired 3 days ago on 203.0.113.5:8448</p><ul>"))
    }

    @Test func greenAndCachedFirstLines() {
        let green = CheckReply(
            report: report(
                verdict: .green, check: nil, says: "answers federation: Synapse 1.140.0 at 203.0.113.5:8448 in 84 ms",
                cached: true)
        ).render(context)
        let lines = green.plain.split(separator: "\n")
        #expect(lines.first == "🟢 matrix.example.net answers federation: Synapse 1.140.0 at 203.0.113.5:8448 in 84 ms")
        #expect(lines.last == "From the cache: checked 30s ago.")
        let yellow = CheckReply(
            report: report(
                verdict: .yellow, check: .srv, says: "works, but only the deprecated _matrix._tcp SRV record exists")
        ).render(context)
        #expect(
            yellow.plain.hasPrefix(
                "🟡 matrix.example.net works, but only the deprecated _matrix._tcp SRV record exists\n"))
    }

    // MARK: Synapse's side beside the check (issue 14, item 4)

    @Test("Synapse's side: the failure state and the rooms waiting for delivery, before the contact")
    func synapseSideLine() {
        let failing = Destination(
            destination: "matrix.example.net", retryLastTs: 1_795_519_470_000, retryInterval: 600_000,
            failureTs: 1_795_512_330_000, lastSuccessfulStreamOrdering: 1234)
        let backlog = DeliveryBacklog(sharedRooms: 5, waiting: .exactly(3), roomsRead: 5)
        let reply = CheckReply(
            report: report(verdict: .red, check: .certificate, says: "TLS certificate expired 3 days ago"),
            synapse: .destination(failing, backlog)
        ).render(context)
        let lines = reply.plain.split(separator: "\n").map(String.init)
        #expect(
            lines.suffix(3) == [
                "Synapse: failing since 09:25 UTC (2h ago), next retry in 9m; 3 shared rooms have events waiting for delivery",
                "Contact: @admin:example.net, admin@example.net (admin)",
                "Checked from my host in 312 ms.",
            ])
        let healthy = Destination(destination: "matrix.example.net", lastSuccessfulStreamOrdering: 9)
        #expect(
            CheckReply.synapseLine(.destination(healthy, nil), context).plain == "Synapse: no failure recorded")
        #expect(
            CheckReply.synapseLine(.unknown, context).plain
                == "Synapse: no destination of that name (it has never sent to it)")
        // Without an admin answer the reply is the check alone.
        #expect(
            !CheckReply(report: report(verdict: .green, check: nil, says: "answers")).render(context).plain
                .contains("Synapse:"))
    }

    @Test func contactLine() {
        #expect(CheckReply.contact(nil).plain == "Contact: publishes no contact")
        let page = CheckReply.contact(SupportContacts(contacts: [], supportPage: "https://example.net/help"))
        #expect(page.plain == "Contact: support page https://example.net/help")
        #expect(page.html == #"Contact: support page <a href="https://example.net/help">https://example.net/help</a>"#)
    }

    @Test func serverTextIsEscaped() {
        var evil = report(verdict: .red, check: .version, says: "/version answered <script>")
        evil.server = "x.org"
        #expect(CheckReply(report: evil).render(context).html.contains("&lt;script&gt;"))
    }
}
