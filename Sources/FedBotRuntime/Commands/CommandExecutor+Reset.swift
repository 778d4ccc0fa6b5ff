public import FedBotCore
import FedBotModels
import Logging
import SynapseAdmin

/// `reset` and its follow-up: ask Synapse to retry a destination, then check it again.
extension CommandExecutor {
    func reset(_ server: ServerName) async throws -> Execution {
        let before = try await admin.destination(server)
        let outcome = try await admin.resetConnection(server)
        logger.info("Reset destination", metadata: ["destination": "\(server)", "outcome": "\(outcome)"])
        let reply = ResetReply(server: server, outcome: outcome, before: before)
        return ok(reply, followUp: reply.followUp)
    }

    /// Runs a follow-up and renders its reply.
    public func run(_ followUp: FollowUp) async -> Reply {
        switch followUp {
        case .recheckAfterReset(let server, let previousFailure):
            do {
                let after = try await admin.destination(server)
                return ResetFollowUpReply(server: server, after: after, previousFailure: previousFailure).render(
                    context)
            } catch {
                return ErrorReply(action: .show(server), error: error).render(context)
            }
        }
    }
}
