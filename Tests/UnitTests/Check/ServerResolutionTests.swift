import FedBotCore
import FedBotModels
import Testing

/// The spec's "Resolving server names" as decisions: which step decides, where to connect, the Host header
/// and the TLS name.
@Suite struct ServerResolutionTests {
    func name(_ text: String) throws -> ServerName { try #require(ServerName(text)) }

    @Test func ipLiteralsAndExplicitPortsNeedNoWellKnown() throws {
        let v4 = try #require(ServerResolution.plan(withoutWellKnown: try name("1.2.3.4")))
        #expect(v4.lookup == .literal(CheckTarget(host: "1.2.3.4", port: 8448)))
        #expect(v4.hostHeader == "1.2.3.4" && v4.tlsServerName == "1.2.3.4" && v4.step == "IP literal")
        let v6 = try #require(ServerResolution.plan(withoutWellKnown: try name("[2001:db8::1]:8449")))
        #expect(v6.lookup == .literal(CheckTarget(host: "2001:db8::1", port: 8449)))
        #expect(v6.hostHeader == "[2001:db8::1]:8449")
        let port = try #require(ServerResolution.plan(withoutWellKnown: try name("example.org:8449")))
        #expect(port.lookup == .addresses(CheckTarget(host: "example.org", port: 8449)))
        #expect(port.hostHeader == "example.org:8449" && port.tlsServerName == "example.org")
        #expect(ServerResolution.plan(withoutWellKnown: try name("example.org")) == nil)
    }

    @Test func delegation() throws {
        let server = try name("example.org")
        let none = ServerResolution.plan(for: server, delegatedTo: nil)
        #expect(none.lookup == .srv(host: "example.org") && none.hostHeader == "example.org")
        let withPort = ServerResolution.plan(for: server, delegatedTo: try name("matrix.example.net:443"))
        #expect(withPort.lookup == .addresses(CheckTarget(host: "matrix.example.net", port: 443)))
        #expect(withPort.hostHeader == "matrix.example.net:443" && withPort.tlsServerName == "matrix.example.net")
        #expect(withPort.step == "well-known → explicit port" && withPort.delegatedTo == "matrix.example.net:443")
        let literal = ServerResolution.plan(for: server, delegatedTo: try name("10.0.0.1"))
        #expect(literal.lookup == .literal(CheckTarget(host: "10.0.0.1", port: 8448)))
        #expect(literal.step == "well-known → IP literal")
        let bare = ServerResolution.plan(for: server, delegatedTo: try name("matrix.example.net"))
        #expect(bare.lookup == .srv(host: "matrix.example.net"))
        #expect(bare.hostHeader == "matrix.example.net" && bare.tlsServerName == "matrix.example.net")
    }

    typealias SRV = ServerResolution.SRVRecord

    @Test func srvSteps() {
        let fed = [
            SRV(priority: 20, weight: 0, port: 1, target: "b.example."),
            SRV(priority: 10, weight: 5, port: 2, target: "a.example."),
        ]
        #expect(
            ServerResolution.srvOutcome(host: "x.org", federation: fed, legacy: nil, prefix: "")
                == .targets(
                    [CheckTarget(host: "a.example", port: 2), CheckTarget(host: "b.example", port: 1)],
                    step: "SRV _matrix-fed._tcp", deprecated: false))
        let legacy = [SRV(priority: 0, weight: 0, port: 8450, target: "old.example.")]
        #expect(
            ServerResolution.srvOutcome(host: "x.org", federation: [], legacy: legacy, prefix: "well-known → ")
                == .targets(
                    [CheckTarget(host: "old.example", port: 8450)],
                    step: "well-known → SRV _matrix._tcp (deprecated)", deprecated: true))
        #expect(
            ServerResolution.srvOutcome(host: "x.org", federation: [], legacy: [], prefix: "")
                == .targets([CheckTarget(host: "x.org", port: 8448)], step: "A/AAAA port 8448", deprecated: false))
        #expect(
            ServerResolution.srvOutcome(
                host: "x.org", federation: [SRV(priority: 0, weight: 0, port: 0, target: ".")],
                legacy: nil, prefix: "") == .unavailable(step: "SRV _matrix-fed._tcp"))
    }

    @Test func addressRanges() throws {
        let loopback = try #require(IPAddress("127.0.0.1"))
        #expect(IPRange.blockedFinding(loopback, allowed: [])?.contains("127.0.0.0/8") == true)
        #expect(IPRange.blockedFinding(loopback, allowed: [try #require(IPRange("127.0.0.0/8"))]) == nil)
        #expect(IPRange.blockedFinding(try #require(IPAddress("8.8.8.8")), allowed: []) == nil)
        #expect(IPRange.blockedFinding(try #require(IPAddress("fe80::1")), allowed: []) != nil)
        #expect(IPRange.blockedFinding(try #require(IPAddress("2a01:4f8::1")), allowed: []) == nil)
        #expect(IPAddress("::ffff:1.2.3.4")?.bytes.suffix(4) == [1, 2, 3, 4])
        #expect(IPAddress("2001:db8:0:0:0:0:0:1")?.description == "2001:db8::1")
        for bad in ["1.2.3", "1:2:3", "::1::", "256.1.1.1", "example.org"] { #expect(IPAddress(bad) == nil, "\(bad)") }
        #expect(IPRange("10.0.0.0/33") == nil && IPRange("fc00::/7") != nil)
    }
}
