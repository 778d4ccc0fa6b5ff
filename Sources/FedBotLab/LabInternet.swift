/// The lab's small internet on loopback (`LabOptions(internet: true)`, `scripts/lab up --internet`): a DNS server
/// authoritative for `lab.test`, HTTPS servers with certificates from a lab CA, and a table of cases, each a server
/// name with the verdict `!fed check` must reach. Described in `scripts/fedbotlab/protocol.schema.json`
/// (`internet`, `internet-case`); the case list is in docs/LAB.md.
public struct LabInternet: Codable, Sendable, Equatable {
    /// `host:port` of the lab's DNS server (UDP and TCP): what `diagnostics.resolver` points at.
    public var dns: String
    /// The lab CA (PEM): what `diagnostics.ca_file` points at.
    public var caFile: String
    /// CIDR ranges the lab's servers use (`127.0.0.0/8`, `::1/128`): `diagnostics.allow_ranges`.
    public var allowRanges: [String]
    /// The zone every case name is under (`lab.test`).
    public var zone: String
    /// The lab's `127.X.Y.0/24`.
    public var subnet: String
    /// The process serving DNS and HTTPS (a child of the lab's supervisor).
    public var pid: Int32
    public var cases: [LabInternetCase]
    /// Names without cases of their own, for many failing servers at once (benchmarks).
    public var bulk: LabInternetBulk

    enum CodingKeys: String, CodingKey {
        case dns
        case caFile = "ca_file"
        case allowRanges = "allow_ranges"
        case zone, subnet, pid, cases, bulk
    }

    /// The case for a server name, if the lab has one.
    public func testCase(_ server: String) -> LabInternetCase? {
        cases.first { $0.server == server }
    }

    /// The DNS server's host and port.
    public var dnsHostPort: (host: String, port: Int)? {
        guard let colon = dns.lastIndex(of: ":"), let port = Int(dns[dns.index(after: colon)...]) else { return nil }
        return (String(dns[..<colon]), port)
    }
}

/// Many failing names: each fails exactly like `refused.lab.test` (red `connect`) or `blackhole.lab.test` (red `tls`,
/// at the timeout).
public struct LabInternetBulk: Codable, Sendable, Equatable {
    /// `refused-01.lab.test` … `refused-50.lab.test`.
    public var refused: [String]
    /// `blackhole-01.lab.test` … `blackhole-50.lab.test`.
    public var blackhole: [String]
}

/// One case of the small internet.
public struct LabInternetCase: Codable, Sendable, Equatable {
    /// certificates, well-known, srv, keys, support or network.
    public var group: String
    /// The server name to check (`good.lab.test`, or B's `127.0.0.1:<port>`).
    public var server: String
    public var verdict: LabVerdict
    /// The id of the check that decides a yellow or red verdict (`certificate`, `connect`, …); nil for green.
    public var check: String?
    /// Lower-case text the verdict's first line contains (compare case-insensitively).
    public var says: String
    /// For people: what the case sets up.
    public var about: String
}

/// A check's overall verdict: works, works with a warning, fails.
public enum LabVerdict: String, Codable, Sendable, CaseIterable {
    case green
    case yellow
    case red
}

/// What `scripts/lab internet-check` found: the small internet probed from outside (DNS over UDP and TCP, TLS with
/// the lab CA, key signatures), without the bot.
public struct LabInternetCheck: Codable, Sendable, Equatable {
    /// One probe.
    public struct Probe: Codable, Sendable, Equatable {
        public var check: String
        public var ok: Bool
        /// The error when the probe could not run.
        public var detail: String
        public var elapsed: Double

        enum CodingKeys: String, CodingKey {
            case check, ok, detail
            case elapsed = "elapsed_s"
        }
    }

    /// True when every probe passed.
    public var ok: Bool
    public var results: [Probe]
}

extension Lab {
    /// Probes the small internet (`LabOptions(internet: true)`) from outside: that the lab serves what its case
    /// table says, independent of the bot.
    public func internetCheck() async throws -> LabInternetCheck {
        try checkRunning()
        let out = try await run(["internet-check"], timeout: .seconds(60))
        return try Self.decode(LabInternetCheck.self, from: out, name: "internet-check")
    }
}
