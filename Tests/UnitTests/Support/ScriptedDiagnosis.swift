import FedBotCore
import FedBotModels
import Synchronization

@testable import FedBotRuntime

/// Check reports from a script: each server gets the report set for it (default: red, connection refused,
/// with an admin contact); every check is counted. `hold()` makes checks wait until `release()`.
final class ScriptedDiagnosis: FederationDiagnosing {
    private struct State {
        var reports: [String: CheckReport] = [:]
        var checks: [String: Int] = [:]
        var held = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    static let contact = SupportContacts(
        contacts: [.init(matrixID: "@admin:b.example", email: nil, role: "m.role.admin")],
        supportPage: "https://b.example/support")

    static func refused(_ server: String, support: SupportContacts? = contact) -> CheckReport {
        CheckReport(
            server: server, verdict: .red, check: .connect, says: "connection refused on 127.0.0.1:8448",
            discovery: nil, findings: [], addresses: [], support: support, checkedAt: 0, durationMilliseconds: 3)
    }

    func set(_ server: String, _ report: CheckReport) {
        state.withLock { $0.reports[server] = report }
    }

    func checks(of server: String) -> Int { state.withLock { $0.checks[server, default: 0] } }
    var totalChecks: Int { state.withLock { $0.checks.values.reduce(0, +) } }

    func hold() { state.withLock { $0.held = true } }

    func release() {
        let waiting = state.withLock { state in
            state.held = false
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    func freshReport(_ server: ServerName) async -> CheckReport { await report(server) }

    func report(_ server: ServerName) async -> CheckReport {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let held = state.withLock { state in
                state.checks[server.rawValue, default: 0] += 1
                if state.held { state.waiting.append(continuation) }
                return state.held
            }
            if !held { continuation.resume() }
        }
        return state.withLock { $0.reports[server.rawValue] } ?? Self.refused(server.rawValue)
    }
}
