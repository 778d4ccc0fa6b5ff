import FedBotCore
import FedBotModels
import Logging
import SynapseAdmin

/// `probes.auto_reset`: the machine decided (once per incident, a few per poll, already stored with the
/// thread reply that says so); the reset itself follows the commit. A crash in between loses that one
/// reset (at most once, never twice): Synapse then retries on its own schedule.
extension WatcherService {
    func autoReset(_ servers: [String]) async {
        for name in servers {
            guard let server = ServerName(name) else { continue }
            do {
                let outcome = try await admin.resetConnection(server)
                let word = outcome == .reset ? "reset" : "not_in_backoff"
                metrics?.autoReset(outcome: word)
                logger.notice(
                    "Auto-reset: probes answer again, Synapse's backoff reset",
                    metadata: ["server": "\(name)", "outcome": "\(word)"])
            } catch {
                metrics?.autoReset(outcome: "error")
                logger.warning(
                    "Auto-reset failed", metadata: ["server": "\(name)", "error": "\(LogText.sanitized("\(error)"))"])
            }
        }
    }
}
