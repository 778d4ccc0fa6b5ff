import FedBotCore
import FedBotModels
import Synchronization

@testable import FedBotRuntime

/// Probes answered from a script: each server gets the result set for it (default: answers in 5 ms);
/// every probe is counted.
final class ScriptedProber: FederationProbing {
    private let state = Mutex<(results: [String: ProbeResult], probes: [String: Int])>(([:], [:]))

    static let refused = ProbeResult.failed(check: "connect", reason: "connection refused on 127.0.0.1:8448")

    func set(_ server: String, _ result: ProbeResult) {
        state.withLock { $0.results[server] = result }
    }

    func probes(of server: String) -> Int { state.withLock { $0.probes[server, default: 0] } }

    func probe(_ server: ServerName) async -> ProbeResult {
        state.withLock { state in
            state.probes[server.rawValue, default: 0] += 1
            return state.results[server.rawValue] ?? .answered(latencyMilliseconds: 5)
        }
    }
}
