public import FedBotCore
public import FedBotModels
import Foundation
public import NIOCore
public import NIOPosix
import X509

/// `check SERVER`: server discovery, then connect, TLS, certificate, `/version` and signing keys at every
/// address found, and the support contact, all from this host. Every network step is bounded by
/// `timeout`, the whole check by `totalLimit`, and at most `maximumConcurrentChecks` run at once.
public struct FederationChecker: Sendable {
    /// `diagnostics.*`, as the checker needs them.
    public struct Options: Sendable, Equatable {
        /// `diagnostics.resolver`: a DNS server `host:port`; nil = the nameservers of /etc/resolv.conf.
        public var resolver: String?
        /// `diagnostics.ca_file`: extra trust roots (PEM).
        public var caFile: String?
        /// `diagnostics.timeout`: each network step.
        public var timeout: Duration
        /// `diagnostics.allow_ranges`: ranges the homeserver is configured to federate with although
        /// Synapse's default blocklist has them.
        public var allowRanges: [IPRange]

        public static let defaultTimeout = Duration.seconds(5)

        public init(
            resolver: String? = nil, caFile: String? = nil, timeout: Duration = defaultTimeout,
            allowRanges: [IPRange] = []
        ) {
            self.resolver = resolver
            self.caFile = caFile
            self.timeout = timeout
            self.allowRanges = allowRanges
        }
    }

    /// Why the checker cannot be made (a config problem).
    public struct SetupError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public let options: Options
    let dns: DNSClient
    let exchange: TLSExchange
    let judge: CertificateJudge
    let limiter: CheckLimiter

    /// At most this many addresses are probed per check (a name may have many).
    public static let maximumAddresses = 8
    /// At most this many checks run at once; more wait their turn.
    public static let maximumConcurrentChecks = 8
    /// Body cap for `/version` and the key answer.
    static let bodyLimit = 64 * 1024

    public init(
        options: Options, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        resolvConf: String = "/etc/resolv.conf"
    ) throws(SetupError) {
        self.options = options
        var servers: [SocketAddress]
        if let resolver = options.resolver {
            guard let address = Self.socketAddress(resolver) else {
                throw SetupError(description: "diagnostics.resolver: expected host:port like 127.0.0.1:53, got \(resolver)")
            }
            servers = [address]
        } else {
            servers = DNSClient.nameservers(resolvConf: (try? String(contentsOfFile: resolvConf, encoding: .utf8)) ?? "")
        }
        dns = DNSClient(servers: servers, timeout: options.timeout, group: group)
        exchange = TLSExchange(group: group, timeout: options.timeout, bodyLimit: Self.bodyLimit)
        var roots: [Certificate] = []
        if let caFile = options.caFile {
            do {
                roots = try CertificateJudge.loadPEM(path: caFile)
            } catch {
                throw SetupError(description: "diagnostics.ca_file: cannot read certificates from \(caFile)")
            }
        }
        judge = CertificateJudge(extraRoots: roots)
        limiter = CheckLimiter.shared
    }

    /// The longest a whole check may take: discovery (well-known with a redirect, SRV, A/AAAA) and one round
    /// of address checks, each a few steps.
    public var totalLimit: Duration { options.timeout * 8 }

    /// Checks `server`; never throws: every failure is a finding.
    public func check(_ server: ServerName) async -> CheckReport {
        let clock = ContinuousClock()
        let started = clock.now
        let startedAt = Date()
        await limiter.acquire()
        let result: Gathered
        do {
            result = try await withTimeout(totalLimit) { try await gather(server) }
        } catch {
            let seconds = Int(totalLimit.components.seconds)
            result = Gathered(
                discovery: nil, findings: [CheckFinding(.connect, .failed, "check did not finish within \(seconds) s")],
                addresses: [], support: nil)
        }
        await limiter.release()
        let verdict = CheckJudgement.judge(findings: result.findings, addresses: result.addresses)
        return CheckReport(
            server: server.rawValue, verdict: verdict.verdict, check: verdict.check, says: verdict.says,
            discovery: result.discovery, findings: result.findings, addresses: result.addresses,
            support: result.support, checkedAt: Int64(startedAt.timeIntervalSince1970 * 1000),
            durationMilliseconds: milliseconds(clock.now - started))
    }

    struct Gathered: Sendable {
        var discovery: CheckDiscovery?
        var findings: [CheckFinding]
        var addresses: [CheckAddressReport]
        var support: SupportContacts?
    }

    func gather(_ server: ServerName) async throws -> Gathered {
        async let support = fetchSupport(server)
        var (discovery, findings, targets) = await discover(server)
        var addresses: [CheckAddressReport] = []
        if let discovery, !targets.isEmpty {
            addresses = await probe(targets, discovery: discovery, server: server)
        }
        let (contacts, supportFinding) = await support
        findings.append(supportFinding)
        try Task.checkCancellation()
        return Gathered(discovery: discovery, findings: findings, addresses: addresses, support: contacts)
    }

    /// The most checks that ran at once in this process (the benchmark prints it).
    public static func peakConcurrency() async -> Int { await CheckLimiter.shared.peak }

    static func socketAddress(_ text: String) -> SocketAddress? {
        guard let name = ServerName(text), let port = name.port, let ip = IPAddress(name.host) else { return nil }
        return try? SocketAddress(ipAddress: ip.description, port: port)
    }
}

/// Bounds how many checks run at once across the process (commands, notices, the CLI).
actor CheckLimiter {
    static let shared = CheckLimiter(limit: FederationChecker.maximumConcurrentChecks)

    let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// The most that ran at once (for the benchmark).
    private(set) var peak = 0

    init(limit: Int) {
        self.limit = limit
    }

    func acquire() async {
        if running < limit {
            running += 1
            peak = max(peak, running)
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
