/// What the fault proxy (`scripts/lab proxy`, docs/LAB.md) prints and answers; described in
/// `scripts/fedbotlab/protocol.schema.json` (`proxy`, `proxy-stats`, `proxy-request`).

/// `scripts/lab proxy`'s output: where the proxy listens and where it forwards to.
public struct LabFaultProxyInfo: Codable, Sendable, Equatable {
    /// The proxy's base URL: point the bot's `homeserver.url` here.
    public var url: String
    /// The control API's base (`…/set`, `…/clear`, `…/stats`).
    public var controlURL: String
    public var upstream: String
    public var pid: Int32

    enum CodingKeys: String, CodingKey {
        case url, upstream, pid
        case controlURL = "control_url"
    }
}

/// `GET /_fault/stats`: what the proxy has seen.
public struct LabFaultProxyStats: Codable, Sendable, Equatable {
    public var requests: Int
    /// Requests a fault applied to.
    public var faulted: Int
    /// Rules with requests left (or without a count).
    public var activeFaults: Int
    /// The last 500 requests in the order they arrived (each logged on arrival).
    public var log: [LabFaultProxyRequest]

    enum CodingKeys: String, CodingKey {
        case requests, faulted, log
        case activeFaults = "active_faults"
    }
}

/// One request the proxy saw.
public struct LabFaultProxyRequest: Codable, Sendable, Equatable {
    public var method: String
    /// The request target, query included.
    public var path: String
    /// The status answered; 0 when none was (yet): a long-poll under way, a stall.
    public var status: Int
    /// The fault applied, nil when forwarded unchanged.
    public var fault: String?
}

/// A fault the proxy injects (see `scripts/fedbotlab/faultrules.py`).
public enum LabFault: Sendable, Equatable, CustomStringConvertible {
    /// This status (502, 503…) with a Matrix error body; nothing reaches Synapse.
    case status(Int)
    /// 429 with `retry_after_ms` in the body and/or this `Retry-After` header (any text); nothing reaches Synapse.
    case rateLimit(retryAfterMs: Int?, retryAfter: String?)
    /// Forwarded; then the headers and half the body, and a TCP reset.
    case resetMidBody
    /// Held `seconds`, then forwarded; nil: never answered (closed after 300 s). `clear()` closes held requests.
    case stall(seconds: Double?)
    /// Forwarded; then the real Content-Length with half the body, and a clean close.
    case truncate
    /// Forwarded; then 200 with a body that is not JSON.
    case malformedJSON
    /// Forwarded; then the body a byte at a time, `delayMs` apart, for at most `seconds`.
    case slowBody(delayMs: Double, seconds: Double)

    public var description: String {
        switch self {
        case .status(let code): "status \(code)"
        case .rateLimit(let ms, let header): "rate_limit ms=\(ms.map(String.init) ?? "-") header=\(header ?? "-")"
        case .resetMidBody: "reset_mid_body"
        case .stall(let seconds): "stall \(seconds.map { "\($0)s" } ?? "never")"
        case .truncate: "truncate"
        case .malformedJSON: "malformed_json"
        case .slowBody(let delay, let seconds): "slow_body \(delay)ms/byte for \(seconds)s"
        }
    }

    /// The body of `POST /_fault/set` without the request selection.
    var rule: [String: Any] {
        switch self {
        case .status(let code):
            return ["kind": "status", "status": code]
        case .rateLimit(let ms, let header):
            var rule: [String: Any] = ["kind": "rate_limit"]
            if let ms { rule["retry_after_ms"] = ms }
            if let header { rule["retry_after"] = header }
            return rule
        case .resetMidBody:
            return ["kind": "reset_mid_body"]
        case .stall(let seconds):
            return seconds.map { ["kind": "stall", "seconds": $0] } ?? ["kind": "stall"]
        case .truncate:
            return ["kind": "truncate"]
        case .malformedJSON:
            return ["kind": "malformed_json"]
        case .slowBody(let delay, let seconds):
            return ["kind": "slow_body", "delay_ms": delay, "seconds": seconds]
        }
    }
}
