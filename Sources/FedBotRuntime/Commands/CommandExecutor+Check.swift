import FedBotCore
import FedBotModels
import Logging
import SynapseAdmin

/// `check SERVER`: the diagnosis from this host, with Synapse's side beside it (its record of the
/// destination and the shared rooms waiting for delivery, read at the same time); a red verdict is a failed
/// command (exit 1 from the shell).
extension CommandExecutor {
    func check(_ server: ServerName) async -> Execution {
        let admin = self.admin
        async let synapse = Self.synapseSide(server, admin: admin)
        let report = await diagnosis.report(server)
        logger.info(
            "Checked a server",
            metadata: ["server": "\(server)", "verdict": "\(report.verdict.rawValue)", "cached": "\(report.cached)"])
        let reply = CheckReply(report: report, synapse: await synapse)
        return Execution(reply: reply.render(context), outcome: report.works ? .ok : .apiError)
    }

    /// Synapse's record of `server`; nil when the admin API could not be read (the check still answers).
    static func synapseSide(_ server: ServerName, admin: SynapseAdminClient) async -> CheckReply.SynapseSide? {
        do {
            let destination = try await admin.destination(server)
            return .destination(destination, try? await admin.deliveryBacklog(destination))
        } catch .unknownDestination {
            return .unknown
        } catch {
            return nil
        }
    }
}
