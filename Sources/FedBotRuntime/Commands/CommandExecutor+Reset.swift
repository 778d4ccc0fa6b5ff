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
        await recordReset(server)
        let reply = ResetReply(server: server, outcome: outcome, before: before, by: fromReaction ? requester : nil)
        return ok(reply, followUp: reply.followUp)
    }

    /// `reset --failing [GLOB]`: the failing destinations from Synapse, then as `resetServers`.
    func resetFailing(_ glob: Glob?) async throws -> Execution {
        let scan = try await admin.failingDestinations()
        let names = scan.failing.map(\.destination).filter { glob?.matches($0) ?? true }.sorted()
        return try await resetServers(names.compactMap(ServerName.init), confirmed: false, glob: glob)
    }

    /// Resets several servers, paced. More than `BulkReset.confirmAbove` for someone in a room first ask
    /// for their ✅ (the reply is the prompt; the worker keeps the request).
    func resetServers(_ servers: [ServerName], confirmed: Bool, glob: Glob? = nil) async throws -> Execution {
        if !confirmed, servers.count > BulkReset.confirmAbove, let requester {
            var execution = ok(BulkResetPromptReply(count: servers.count, requester: requester))
            execution.confirmation = BulkResetConfirmation(
                requester: requester, servers: servers.map(\.rawValue), expiresAt: now() + BulkReset.confirmWithin)
            return execution
        }
        var results: [(server: ServerName, outcome: Result<ResetOutcome, SynapseAdminError>)] = []
        for (index, server) in servers.enumerated() {
            if index > 0 { await pause(BulkReset.pause) }
            do {
                results.append((server, .success(try await admin.resetConnection(server))))
                await recordReset(server)
            } catch {
                results.append((server, .failure(error)))
            }
        }
        logger.info(
            "Reset destinations",
            metadata: ["count": "\(servers.count)", "reset": "\(results.count { (try? $0.outcome.get()) == .reset })"])
        return ok(BulkResetReply(results: results, by: requester, glob: glob))
    }

    /// Runs a follow-up and renders its reply.
    public func run(_ followUp: FollowUp) async -> Reply {
        switch followUp {
        case .recheckAfterReset(let server, let previousFailure):
            do {
                let after = try await admin.destination(server)
                await recordResetOutcome(server, resumed: after.health(at: now()) == .healthy)
                return ResetFollowUpReply(server: server, after: after, previousFailure: previousFailure).render(
                    context)
            } catch {
                return ErrorReply(action: .show(server), error: error).render(context)
            }
        }
    }

    /// Records the reset in the server's open incident, for `incidents` (who, when). A store that cannot
    /// be written does not undo the reset: logged, not fatal.
    func recordReset(_ server: ServerName) async {
        guard let watcher, let requester else { return }
        do {
            try await watcher.recordReset(server, by: requester)
        } catch {
            logger.warning("Could not record a reset", metadata: ["destination": "\(server)", "error": "\(error)"])
        }
    }

    func recordResetOutcome(_ server: ServerName, resumed: Bool) async {
        guard let watcher else { return }
        do {
            try await watcher.recordResetOutcome(server, resumed: resumed)
        } catch {
            logger.warning(
                "Could not record a reset's outcome", metadata: ["destination": "\(server)", "error": "\(error)"])
        }
    }
}
