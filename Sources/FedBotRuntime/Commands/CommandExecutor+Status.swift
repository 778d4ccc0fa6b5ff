import FedBotCore
import FedBotModels
import MatrixClient
import SynapseAdmin

/// `status`: ask the homeserver, its admin API and the watcher; Core's `StatusReply` says what it means.
extension CommandExecutor {
    func status() async -> Execution {
        let homeserver = await homeserverCheck()
        var adminAPI: StatusReply.Check
        var federation: (failing: Int, total: Int)?
        do {
            let scan = try await admin.failingDestinations()
            federation = (scan.failing.count, scan.total)
            adminAPI = .serverAdmin(version: try? await admin.serverVersion())
        } catch {
            adminAPI = .failed(error.description)
        }
        var lastPoll: Timestamp?
        var incidents: Int?
        var muted: Int?
        var stateFile: StateFileProblem?
        if let watcher {
            lastPoll = await watcher.lastPoll()
            do {
                incidents = try await watcher.openIncidents().count
            } catch let problem as StateFileProblem {
                stateFile = problem
            } catch {
                incidents = nil
            }
            muted = try? await watcher.mutes(now: now()).count
        }
        var reply = StatusReply(
            homeserver: homeserver, adminAPI: adminAPI, federation: federation, watcherEnabled: watcher != nil,
            lastPoll: lastPoll, openIncidents: incidents, mutedServers: muted, stateFile: stateFile)
        reply.undelivered = (try? await outbox?.undelivered(since: now() - .seconds(86_400))) ?? []
        return Execution(reply: reply.render(context), outcome: reply.isHealthy ? .ok : .apiError)
    }

    /// `whoami` against the client-server API, when this executor has one.
    func homeserverCheck() async -> StatusReply.Check {
        guard let matrix else { return .notUsed }
        do {
            return .loggedIn(as: try await matrix.whoAmI().userID)
        } catch let error as MatrixError {
            return .failed(describing: error)
        } catch {
            return .failed("\(error)")
        }
    }
}
