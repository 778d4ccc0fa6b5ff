public import FedBotModels

/// Server discovery as the server-server spec's "Resolving server names" lays it out, and as Synapse's
/// `MatrixFederationAgent` does it, as pure decisions: the runtime does the look-ups these ask for and
/// feeds the answers back.
public enum ServerResolution {
    /// The port when nothing names one.
    public static let defaultPort = 8448

    /// What to do for a name once it is known whether (and where) it delegates.
    public struct Plan: Sendable, Equatable {
        public enum Lookup: Sendable, Equatable {
            /// Connect to this IP literal: no DNS.
            case literal(CheckTarget)
            /// A/AAAA of the host, on this port.
            case addresses(CheckTarget)
            /// SRV `_matrix-fed._tcp.<host>`, then `_matrix._tcp.<host>`, then A/AAAA on 8448 (`srvOutcome`).
            case srv(host: String)
        }

        public var lookup: Lookup
        public var hostHeader: String
        public var tlsServerName: String
        /// "IP literal", "explicit port", "well-known → IP literal"…; SRV plans finish it in `srvOutcome`.
        public var step: String
        public var delegatedTo: String?
    }

    /// Steps 1 and 2: an IP literal or an explicit port decides without the delegation file; nil means
    /// "fetch `https://<host>/.well-known/matrix/server` first" (step 3).
    public static func plan(withoutWellKnown server: ServerName) -> Plan? {
        if isIPLiteral(server.host) {
            let target = CheckTarget(host: unbracketed(server.host), port: server.port ?? defaultPort)
            return Plan(
                lookup: .literal(target), hostHeader: server.rawValue, tlsServerName: unbracketed(server.host),
                step: "IP literal", delegatedTo: nil)
        }
        if let port = server.port {
            return Plan(
                lookup: .addresses(CheckTarget(host: server.host, port: port)), hostHeader: server.rawValue,
                tlsServerName: server.host, step: "explicit port", delegatedTo: nil)
        }
        return nil
    }

    /// Step 3 with a valid `m.server` (`delegated`), or steps 4–6 without one (nil).
    public static func plan(for server: ServerName, delegatedTo delegated: ServerName?) -> Plan {
        guard let delegated else {
            return Plan(
                lookup: .srv(host: server.host), hostHeader: server.host, tlsServerName: server.host, step: "",
                delegatedTo: nil)
        }
        if var plan = plan(withoutWellKnown: delegated) {
            plan.step = "well-known → \(plan.step)"
            plan.delegatedTo = delegated.rawValue
            return plan
        }
        return Plan(
            lookup: .srv(host: delegated.host), hostHeader: delegated.rawValue, tlsServerName: delegated.host,
            step: "well-known → ", delegatedTo: delegated.rawValue)
    }

    /// One SRV answer record.
    public struct SRVRecord: Sendable, Equatable {
        public var priority: Int
        public var weight: Int
        public var port: Int
        public var target: String

        public init(priority: Int, weight: Int, port: Int, target: String) {
            self.priority = priority
            self.weight = weight
            self.port = port
            self.target = target
        }
    }

    /// How the SRV steps ended.
    public enum SRVOutcome: Sendable, Equatable {
        /// Connect to these (A/AAAA of each target), in this order.
        case targets([CheckTarget], step: String, deprecated: Bool)
        /// A single record with target "." : the service is declared unavailable (Synapse gives up).
        case unavailable(step: String)
    }

    /// Steps 3.3–3.5 or 4–6: `_matrix-fed._tcp` records win; else the deprecated `_matrix._tcp`; else the
    /// host itself on 8448. `legacy` is only asked for when `federation` is empty. Records are ordered by
    /// priority, then by weight, heaviest first (Synapse shuffles by weight; a report must be stable).
    public static func srvOutcome(
        host: String, federation: [SRVRecord], legacy: [SRVRecord]?, prefix: String
    ) -> SRVOutcome {
        for (records, name, deprecated) in [(federation, "_matrix-fed._tcp", false), (legacy ?? [], "_matrix._tcp", true)]
        where !records.isEmpty {
            let step = "\(prefix)SRV \(name)" + (deprecated ? " (deprecated)" : "")
            if records.count == 1, records[0].target == "." || records[0].target.isEmpty {
                return .unavailable(step: step)
            }
            let sorted = records.sorted { ($0.priority, -$0.weight) < ($1.priority, -$1.weight) }
            let targets = sorted.map { CheckTarget(host: trimmedDot($0.target), port: $0.port) }
            return .targets(targets, step: step, deprecated: deprecated)
        }
        return .targets([CheckTarget(host: host, port: defaultPort)], step: "\(prefix)A/AAAA port 8448", deprecated: false)
    }

    static func trimmedDot(_ name: String) -> String {
        name.hasSuffix(".") ? String(name.dropLast()) : name
    }

    /// `1.2.3.4` or `[::1]` (a server name's host form).
    public static func isIPLiteral(_ host: String) -> Bool {
        host.hasPrefix("[") || IPAddress(host) != nil
    }

    static func unbracketed(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    /// `203.0.113.5:8448` or `[2001:db8::1]:8448`.
    public static func display(ip: String, port: Int) -> String {
        ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
