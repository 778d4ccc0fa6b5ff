/// The id of one check of `check SERVER`: the vocabulary shared by the reply, `--json` and the lab's cases.
public enum CheckID: String, Codable, Sendable, CaseIterable, Comparable {
    case name, dns
    case wellKnown = "well-known"
    case srv, address, connect, tls, certificate, version, keys, support

    /// The order the checks run in (and are listed in).
    public static func < (lhs: CheckID, rhs: CheckID) -> Bool {
        let order = allCases
        return (order.firstIndex(of: lhs) ?? 0) < (order.firstIndex(of: rhs) ?? 0)
    }
}

/// How one check came out: ✅ ok, ⚠️ warning, ❌ failed; `skipped` when an earlier step failed.
public enum CheckStatus: String, Codable, Sendable {
    case ok, warning, failed, skipped
}

/// 🟢 federation works, 🟡 works with a warning, 🔴 fails.
public enum CheckVerdict: String, Codable, Sendable {
    case green, yellow, red
}

/// One check's result: what it found, in a few words ("expired 3 days ago", "Synapse 1.140.0").
public struct CheckFinding: Codable, Sendable, Equatable {
    public var check: CheckID
    public var status: CheckStatus
    /// What the check found, lower-case, without the server name.
    public var says: String

    public init(_ check: CheckID, _ status: CheckStatus, _ says: String) {
        self.check = check
        self.status = status
        self.says = says
    }
}

/// One host and port to connect to, as server discovery found it.
public struct CheckTarget: Codable, Sendable, Equatable, Hashable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// What server discovery decided: which step, where to connect, and what Synapse would send.
public struct CheckDiscovery: Codable, Sendable, Equatable {
    /// The spec's step that decided, e.g. "well-known → SRV _matrix-fed._tcp".
    public var step: String
    /// The `m.server` of the delegation file, when one was used.
    public var delegatedTo: String?
    /// The `Host` header of federation requests.
    public var hostHeader: String
    /// The name the certificate must be valid for (SNI unless an IP literal).
    public var tlsServerName: String
    /// Hosts and ports in the order Synapse tries them.
    public var targets: [CheckTarget]

    public init(step: String, delegatedTo: String?, hostHeader: String, tlsServerName: String, targets: [CheckTarget])
    {
        self.step = step
        self.delegatedTo = delegatedTo
        self.hostHeader = hostHeader
        self.tlsServerName = tlsServerName
        self.targets = targets
    }
}

/// The checks of one address (IPv4 or IPv6) with the measurements that matter.
public struct CheckAddressReport: Codable, Sendable, Equatable {
    /// `203.0.113.5:8448` or `[2001:db8::1]:8448`.
    public var address: String
    public var connectMilliseconds: Int?
    public var tlsVersion: String?
    /// Days until the certificate expires (negative when expired).
    public var certificateDaysLeft: Int?
    public var software: String?
    /// Milliseconds from connect to the version answer.
    public var totalMilliseconds: Int?
    public var findings: [CheckFinding]

    public init(
        address: String, connectMilliseconds: Int? = nil, tlsVersion: String? = nil,
        certificateDaysLeft: Int? = nil, software: String? = nil, totalMilliseconds: Int? = nil,
        findings: [CheckFinding] = []
    ) {
        self.address = address
        self.connectMilliseconds = connectMilliseconds
        self.tlsVersion = tlsVersion
        self.certificateDaysLeft = certificateDaysLeft
        self.software = software
        self.totalMilliseconds = totalMilliseconds
        self.findings = findings
    }

    /// Whether federation works at this address: no failed check.
    public var works: Bool { !findings.contains { $0.status == .failed } }
}

/// Whom to contact: `/.well-known/matrix/support`.
public struct SupportContacts: Codable, Sendable, Equatable {
    public struct Contact: Codable, Sendable, Equatable {
        public var matrixID: String?
        public var email: String?
        public var role: String?

        public init(matrixID: String?, email: String?, role: String?) {
            self.matrixID = matrixID
            self.email = email
            self.role = role
        }
    }

    public var contacts: [Contact]
    public var supportPage: String?

    public init(contacts: [Contact], supportPage: String?) {
        self.contacts = contacts
        self.supportPage = supportPage
    }
}

/// The whole diagnosis of one server: what `check` replies and `--json` prints.
public struct CheckReport: Codable, Sendable, Equatable {
    public var server: String
    public var verdict: CheckVerdict
    /// The check that decided a yellow or red verdict (nil when green).
    public var check: CheckID?
    /// The verdict's line without the symbol, e.g. "connection refused on 127.0.0.1:8448".
    public var says: String
    public var discovery: CheckDiscovery?
    /// Checks that do not depend on an address: name, dns, well-known, srv, support.
    public var findings: [CheckFinding]
    public var addresses: [CheckAddressReport]
    /// Nil when the server publishes no contact (or an invalid file).
    public var support: SupportContacts?
    /// When the check ran (ms since the epoch).
    public var checkedAt: Int64
    public var durationMilliseconds: Int
    /// Answered from the short cache.
    public var cached: Bool

    public init(
        server: String, verdict: CheckVerdict, check: CheckID?, says: String, discovery: CheckDiscovery?,
        findings: [CheckFinding], addresses: [CheckAddressReport], support: SupportContacts?, checkedAt: Int64,
        durationMilliseconds: Int, cached: Bool = false
    ) {
        self.server = server
        self.verdict = verdict
        self.check = check
        self.says = says
        self.discovery = discovery
        self.findings = findings
        self.addresses = addresses
        self.support = support
        self.checkedAt = checkedAt
        self.durationMilliseconds = durationMilliseconds
        self.cached = cached
    }

    /// Federation works (exit 0): green or yellow.
    public var works: Bool { verdict != .red }
}
