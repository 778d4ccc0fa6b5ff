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

    enum CodingKeys: String, CodingKey {
        case dns
        case caFile = "ca_file"
        case allowRanges = "allow_ranges"
        case zone, subnet, pid, cases
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
