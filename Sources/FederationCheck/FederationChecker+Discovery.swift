import FedBotCore
import FedBotModels

/// Server discovery: steps 1–6 of the spec's "Resolving server names", with the look-ups done here and
/// the decisions in `ServerResolution`.
extension FederationChecker {
    /// One address to probe, with the name it was found under.
    struct Target: Sendable {
        var ip: IPAddress
        var port: Int
    }

    func discover(_ server: ServerName) async -> (CheckDiscovery?, [CheckFinding], [Target]) {
        var findings: [CheckFinding] = []
        var plan: ServerResolution.Plan
        if let direct = ServerResolution.plan(withoutWellKnown: server) {
            plan = direct
        } else {
            let delegation = await fetchDelegation(server.host)
            var delegated: ServerName?
            switch delegation {
            case .delegated(let name):
                delegated = name
                findings.append(CheckFinding(.wellKnown, .ok, "delegates to \(name)"))
            case .none(let why):
                findings.append(CheckFinding(.wellKnown, .ok, why))
            case .invalid(let why):
                findings.append(CheckFinding(.wellKnown, .warning, "\(why) (Synapse ignores it)"))
            }
            plan = ServerResolution.plan(for: server, delegatedTo: delegated)
        }
        var endpoints: [CheckTarget]
        switch plan.lookup {
        case .literal(let target):
            guard let ip = IPAddress(target.host) else {
                return (nil, [CheckFinding(.name, .failed, "not a valid IP literal")], [])
            }
            return (discovery(plan, [target]), findings, [Target(ip: ip, port: target.port)])
        case .addresses(let target):
            endpoints = [target]
        case .srv(let host):
            let prefix = plan.step
            let federation: [ServerResolution.SRVRecord]
            var legacy: [ServerResolution.SRVRecord]?
            do {
                federation = try await srv("_matrix-fed._tcp.\(host)")
                if federation.isEmpty { legacy = try await srv("_matrix._tcp.\(host)") }
            } catch {
                findings.append(CheckFinding(.dns, .failed, "SRV lookup for \(host): \(Self.text(error))"))
                return (nil, findings, [])
            }
            switch ServerResolution.srvOutcome(host: host, federation: federation, legacy: legacy, prefix: prefix) {
            case .unavailable(let step):
                plan.step = step
                findings.append(CheckFinding(.srv, .failed, "SRV record says the service is unavailable (target \".\")"))
                return (discovery(plan, []), findings, [])
            case .targets(let targets, let step, let deprecated):
                plan.step = step
                endpoints = targets
                let list = targets.prefix(3).map { "\($0.host):\($0.port)" }.joined(separator: ", ")
                if deprecated {
                    findings.append(
                        CheckFinding(.srv, .warning, "only the deprecated _matrix._tcp SRV record exists (\(list))"))
                } else if federation.isEmpty {
                    findings.append(CheckFinding(.srv, .ok, "no SRV record: port 8448"))
                } else {
                    findings.append(CheckFinding(.srv, .ok, "_matrix-fed._tcp → \(list)"))
                }
            }
        }
        var targets: [Target] = []
        var failures: [String] = []
        for endpoint in endpoints.prefix(Self.maximumAddresses) {
            if let ip = IPAddress(endpoint.host) {
                targets.append(Target(ip: ip, port: endpoint.port))
                continue
            }
            do {
                let found = try await dns.addresses(endpoint.host)
                if found.isEmpty { failures.append("no address: no A/AAAA record for \(endpoint.host)") }
                for ip in found where !targets.contains(where: { $0.ip == ip && $0.port == endpoint.port }) {
                    targets.append(Target(ip: ip, port: endpoint.port))
                }
            } catch {
                let about = endpoint.host == server.host ? "" : " for \(endpoint.host)"
                failures.append(Self.text(error) + about)
            }
        }
        targets = Array(targets.prefix(Self.maximumAddresses))
        if targets.isEmpty {
            findings.append(CheckFinding(.dns, .failed, failures.first ?? "no address"))
        } else {
            let count = targets.count
            findings.append(CheckFinding(.dns, .ok, "\(count) address\(count == 1 ? "" : "es")"))
        }
        return (discovery(plan, endpoints), findings, targets)
    }

    func discovery(_ plan: ServerResolution.Plan, _ targets: [CheckTarget]) -> CheckDiscovery {
        CheckDiscovery(
            step: plan.step, delegatedTo: plan.delegatedTo, hostHeader: plan.hostHeader,
            tlsServerName: plan.tlsServerName, targets: targets)
    }

    /// SRV records; a missing name is no record (as in Synapse), other failures throw.
    func srv(_ name: String) async throws(DNSClient.Failure) -> [ServerResolution.SRVRecord] {
        do {
            return try await dns.query(name, .srv).compactMap { record in
                guard case .srv(let priority, let weight, let port, let target) = record.answer else { return nil }
                return ServerResolution.SRVRecord(priority: priority, weight: weight, port: port, target: target)
            }
        } catch .noSuchName {
            return []
        }
    }

    static func text(_ error: any Error) -> String {
        guard let failure = error as? DNSClient.Failure else { return "lookup failed" }
        switch failure {
        case .noSuchName: return "does not exist (NXDOMAIN)"
        case .serverError(let code): return "DNS server answered \(code == 2 ? "SERVFAIL" : code == 5 ? "REFUSED" : "error \(code)")"
        case .timedOut: return "DNS lookup timed out"
        case .noResolver: return "no DNS resolver configured (diagnostics.resolver or /etc/resolv.conf)"
        }
    }
}
