import FedBotLab

/// One fault on one of the bot's requests: its long-poll `/sync` or the PUT that sends a reply.
struct FaultCase: Sendable, CustomStringConvertible {
    enum Target: String, Sendable {
        case sync
        case send
        /// Every admin API request (`admin_api.url`): a command's and the watcher's polls.
        case admin
    }

    let name: String
    let fault: LabFault
    let target: Target

    var description: String { "\(target.rawValue): \(name) (\(fault))" }
    var method: String { target == .send ? "PUT" : "GET" }
    var path: String {
        switch target {
        case .sync: "^/_matrix/client/v3/sync\\?"
        case .send: "^/_matrix/client/v3/rooms/[^/]+/send/m\\.room\\.message/"
        case .admin: "^/_synapse/admin/"
        }
    }

    /// How long the reply may take once the fault is cleared: a 429 wait may last up to the bot's cap (60 s).
    var replyTimeout: Duration {
        if case .rateLimit = fault { return .seconds(75) }
        return .seconds(30)
    }

    static let faults: [(String, LabFault)] = [
        ("5xx burst", .status(502)),
        ("429 huge Retry-After", .rateLimit(retryAfterMs: 86_400_000, retryAfter: "9223372036854775807")),
        ("429 malformed Retry-After", .rateLimit(retryAfterMs: nil, retryAfter: "soon")),
        ("429 negative Retry-After", .rateLimit(retryAfterMs: -5000, retryAfter: "-5")),
        ("reset mid-body", .resetMidBody),
        ("stall", .stall(seconds: nil)),
        ("stall 20s", .stall(seconds: 20)),
        ("truncated body", .truncate),
        ("malformed JSON", .malformedJSON),
        ("slow body", .slowBody(delayMs: 50, seconds: 8)),
    ]

    static let all: [FaultCase] = [Target.sync, .send].flatMap { target in
        faults.map { FaultCase(name: $0.0, fault: $0.1, target: target) }
    }

    /// The same faults on the admin API (`FaultAdminTests`).
    static let admin: [FaultCase] = faults.map { FaultCase(name: $0.0, fault: $0.1, target: .admin) }
}
