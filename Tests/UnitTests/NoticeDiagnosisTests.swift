import FedBotCore
import FedBotModels
import Testing

/// The diagnosis in a failure notice's thread (issue 14, item 6): pure text and decisions.
@Suite struct NoticeDiagnosisTests {
    static func report(
        _ server: String, _ verdict: CheckVerdict, _ check: CheckID?, _ says: String,
        support: SupportContacts? = nil
    ) -> CheckReport {
        CheckReport(
            server: server, verdict: verdict, check: check, says: says, discovery: nil, findings: [], addresses: [],
            support: support, checkedAt: 0, durationMilliseconds: 10)
    }

    static let contact = SupportContacts(
        contacts: [.init(matrixID: "@admin:example.net", email: nil, role: "m.role.admin")],
        supportPage: "https://example.net/help")

    @Test("one server: its first line, its contact, the command to see the rest")
    func single() {
        let reply = NoticeDiagnosis.reply(
            [
                Self.report(
                    "example.net", .red, .connect, "connection refused on 203.0.113.5:8448", support: Self.contact)
            ],
            more: 0, prefix: "!fed")
        #expect(
            reply.plain == """
                🔴 example.net: connection refused on 203.0.113.5:8448
                Contact: @admin:example.net (admin); support page https://example.net/help
                Checked from my host · details: !fed check example.net
                """)
        #expect(reply.html.contains("<p>🔴 <b>example.net</b>: connection refused on 203.0.113.5:8448</p>"))
        #expect(!NoticeDiagnosis.pointsHere([Self.report("example.net", .red, .connect, "refused")]))
    }

    @Test("a group: one verdict per server up to the limit, the rest named by count")
    func group() {
        let names = (1...7).map { "s\($0).example" }
        let record = NoticeRecord(
            key: "group-2", kind: .group, postedAt: Timestamp(milliseconds: 0),
            servers: Dictionary(uniqueKeysWithValues: names.map { ($0, Timestamp(milliseconds: 0)) }))
        let (checked, more) = NoticeDiagnosis.servers(of: record)
        #expect(checked == Array(names.prefix(5)))
        #expect(more == 2)
        let reports = [
            Self.report("s1.example", .red, .certificate, "TLS certificate expired 3 days ago"),
            Self.report("s2.example", .green, nil, "answers federation: Synapse 1.140.0", support: Self.contact),
        ]
        let reply = NoticeDiagnosis.reply(reports, more: more, prefix: "!fed")
        #expect(
            reply.plain == """
                🔴 s1.example: TLS certificate expired 3 days ago
                Contact: publishes no contact
                🟢 s2.example answers federation: Synapse 1.140.0
                Contact: @admin:example.net (admin); support page https://example.net/help
                … and 2 more: !fed check SERVER
                Checked from my host · details: !fed check SERVER
                """)
    }

    @Test("every failing server at DNS or connect: this side may be the problem; any other check: not")
    func pointsHere() {
        let here = [
            Self.report("a.example", .red, .dns, "no address (NXDOMAIN)"),
            Self.report("b.example", .red, .connect, "connection refused on 203.0.113.5:8448"),
        ]
        #expect(NoticeDiagnosis.pointsHere(here))
        #expect(
            NoticeDiagnosis.reply(here, more: 0, prefix: "!fed").plain.contains(
                "⚠️ every failing server fails at DNS or connect: this homeserver's network may be the problem"))
        let mixed = here + [Self.report("c.example", .red, .tls, "TLS handshake timed out")]
        #expect(!NoticeDiagnosis.pointsHere(mixed))
        #expect(!NoticeDiagnosis.reply(mixed, more: 0, prefix: "!fed").plain.contains("this homeserver's network"))
        #expect(!NoticeDiagnosis.pointsHere(here + [Self.report("d.example", .green, nil, "answers federation")]))
    }

    @Test("failure and group notices get a diagnosis; baseline, outage, probe and stuck notices do not")
    func kinds() {
        #expect(NoticeDiagnosis.applies(to: .failure))
        #expect(NoticeDiagnosis.applies(to: .group))
        for kind in [NoticeRecord.Kind.baseline, .outage, .probe, .stuck] {
            #expect(!NoticeDiagnosis.applies(to: kind))
        }
    }
}
