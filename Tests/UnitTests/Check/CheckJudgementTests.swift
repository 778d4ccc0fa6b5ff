import FedBotCore
import FedBotModels
import Testing

/// The verdict rules and the well-known readings.
@Suite struct CheckJudgementTests {
    typealias F = CheckFinding

    func address(_ name: String, _ findings: [F], software: String? = "Synapse 1.140.0") -> CheckAddressReport {
        CheckAddressReport(address: name, software: software, totalMilliseconds: 84, findings: findings)
    }

    let working: [F] = [
        F(.connect, .ok, "3 ms"), F(.tls, .ok, "TLS 1.3"), F(.certificate, .ok, "valid"), F(.version, .ok, "Synapse"),
        F(.keys, .ok, "verified"),
    ]

    @Test func green() {
        let verdict = CheckJudgement.judge(
            findings: [F(.dns, .ok, "1 address"), F(.support, .warning, "invalid")],
            addresses: [address("203.0.113.5:8448", working)])
        #expect(
            verdict
                == .init(
                    verdict: .green, check: nil,
                    says: "answers federation: Synapse 1.140.0 at 203.0.113.5:8448 in 84 ms"))
    }

    @Test func redWhenDiscoveryFailsOrNoAddressWorks() {
        #expect(
            CheckJudgement.judge(findings: [F(.dns, .failed, "does not exist (NXDOMAIN)")], addresses: [])
                == .init(verdict: .red, check: .dns, says: "does not exist (NXDOMAIN)"))
        let refused = address("203.0.113.5:8448", [F(.connect, .failed, "connection refused")])
        let expired = address("[2001:db8::1]:8448", [F(.connect, .ok, "1 ms"), F(.certificate, .failed, "expired")])
        #expect(
            CheckJudgement.judge(findings: [], addresses: [refused, expired])
                == .init(verdict: .red, check: .connect, says: "connection refused on 203.0.113.5:8448"))
    }

    @Test func yellowNamesTheFirstWarning() {
        let soon = address(
            "203.0.113.5:8448",
            working.map { $0.check == .certificate ? F(.certificate, .warning, "expires in 5 days") : $0 })
        #expect(
            CheckJudgement.judge(findings: [F(.srv, .warning, "only _matrix._tcp")], addresses: [soon]).check == .srv)
        #expect(
            CheckJudgement.judge(findings: [], addresses: [soon]).says
                == "works, but expires in 5 days on 203.0.113.5:8448")
        let refused = address("203.0.113.6:8448", [F(.connect, .failed, "connection refused")])
        let partial = CheckJudgement.judge(findings: [], addresses: [refused, address("203.0.113.5:8448", working)])
        #expect(
            partial
                == .init(verdict: .yellow, check: .connect, says: "works, but connection refused on 203.0.113.6:8448"))
    }

    @Test func wellKnownServer() throws {
        func read(_ status: Int, _ body: String) -> WellKnown.Delegation {
            WellKnown.delegation(status: status, body: Array(body.utf8))
        }
        #expect(
            read(200, #"{"m.server": "matrix.example.net:443"}"#)
                == .delegated(try #require(ServerName("matrix.example.net:443"))))
        #expect(read(404, "") == .none("no well-known file (HTTP 404)"))
        #expect(read(200, #"{"m.server": "#) == .invalid("well-known file is not a JSON object"))
        #expect(read(200, "{}") == .invalid("well-known file has no m.server"))
        #expect(read(200, #"{"m.server": "not a name"}"#) == .invalid("well-known m.server is not a valid server name"))
        #expect(read(503, "") == .invalid("well-known file answered HTTP 503"))
    }

    @Test func support() {
        let body = Array(
            #"{"contacts":[{"matrix_id":"@admin:example.org","email_address":"a@example.org","role":"m.role.admin"},{"role":"m.role.security"}],"support_page":"https://example.org/help"}"#
                .utf8)
        let contacts = WellKnown.support(status: 200, body: body)
        #expect(
            contacts?.contacts == [.init(matrixID: "@admin:example.org", email: "a@example.org", role: "m.role.admin")])
        #expect(contacts?.supportPage == "https://example.org/help")
        #expect(WellKnown.support(status: 404, body: []) == nil)
        #expect(
            WellKnown.supportFinding(status: 404, body: [], contacts: nil) == F(.support, .ok, "publishes no contact"))
        #expect(WellKnown.supportFinding(status: 200, body: Array("{x".utf8), contacts: nil).status == .warning)
    }
}
