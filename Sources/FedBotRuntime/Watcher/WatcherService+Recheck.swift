import FedBotCore
import FedBotModels
import Logging
import ServiceLifecycle
import SynapseAdmin

extension WatcherService {
    /// Most single `GET …/destinations/{name}` look-ups one poll makes.
    static let maxLookupsPerPoll = 20
    /// Rows per page when a poll walks every destination by name.
    static let recheckPageSize = 5000

    /// What re-checking the open incidents that the failing scan did not return found.
    struct Recheck {
        var failing: [String: Destination] = [:]
        var cleared: [String: Destination] = [:]
        /// Asked without an answer, or not asked this poll: counted failing since they began (see
        /// `PollObservation.unanswered`).
        var unanswered: Set<String> = []
        var requests = 0
    }

    /// Re-checks open incidents that the failing scan did not return: each is healthy now, or gone from
    /// Synapse. The scan lists every failing row, so absent servers need one answer each — and the cheapest
    /// way to get many answers is one name-ordered walk of all destinations (`total / 5,000` requests;
    /// a name missing from it is one Synapse no longer knows). So: a few absent incidents (at most
    /// `maxLookupsPerPoll`, and no more than the walk would cost) are looked up one by one; more are
    /// answered by one walk, unless the walk would cost more requests than there are absent incidents, in
    /// which case `maxLookupsPerPoll` of them are looked up now and the others wait for the next poll,
    /// still open. Every request is preceded by a check for shutdown; an error keeps the incident open.
    func recheck(_ names: [String], state: WatcherState, total: Int) async throws -> Recheck {
        var result = Recheck()
        guard !names.isEmpty else { return result }
        let walkCost = max(1, (total + Self.recheckPageSize - 1) / Self.recheckPageSize)
        var answers: [String: WatcherMachine.RecheckAnswer] = [:]
        if names.count > Self.maxLookupsPerPoll || names.count > walkCost, walkCost <= names.count {
            let wanted = Set(names)
            var walk = admin.allDestinations(pageSize: Self.recheckPageSize).makeAsyncIterator()
            do {
                while let row = try await walk.next() {
                    try Self.checkStopping()
                    if wanted.contains(row.destination) { answers[row.destination] = .destination(row) }
                }
                for name in names where answers[name] == nil { answers[name] = .unknownDestination }
            } catch SynapseAdminError.cancelled {
                throw CancellationError()
            } catch let error as CancellationError {
                throw error
            } catch {
                logger.warning(
                    "Could not walk the destinations to re-check open incidents; they stay open",
                    metadata: ["error": "\(LogText.sanitized("\(error)"))"])
            }
            result.requests += walk.pages
        } else {
            for name in names.prefix(Self.maxLookupsPerPoll) {
                guard let server = ServerName(name) else { continue }
                try Self.checkStopping()
                result.requests += 1
                do {
                    answers[name] = .destination(try await admin.destination(server))
                } catch SynapseAdminError.unknownDestination {
                    answers[name] = .unknownDestination
                } catch SynapseAdminError.cancelled {
                    throw CancellationError()
                } catch {
                    answers[name] = .failed
                }
            }
        }
        for name in names {
            // Not asked this poll (or the walk failed): still failing since it began.
            let answer = answers[name] ?? .failed
            if case .failed = answer { result.unanswered.insert(name) }
            let outcome = WatcherMachine.recheck(name, incident: state.incidents[name], answer: answer)
            if let row = outcome.failing { result.failing[name] = row }
            if let row = outcome.cleared { result.cleared[name] = row }
        }
        return result
    }

    /// Throws when the bot is shutting down: a loop over the network stops between two requests.
    static func checkStopping() throws {
        if Task.isCancelled || Task.isShuttingDownGracefully { throw CancellationError() }
    }
}
