public import FedBotCore
public import FedBotModels
import Foundation
public import Logging
public import MatrixClient
public import SynapseAdmin

/// What the executor needs from the watcher for `status`, `incidents`, `mute` and `unmute`.
public protocol WatcherControl: Sendable {
    /// When the last poll completed, nil before the first.
    func lastPoll() async -> Timestamp?
    /// Open incidents, oldest first.
    func openIncidents() async throws -> [IncidentSummary]
    /// Mutes notices for `server` until `until`.
    func mute(_ server: ServerName, until: Timestamp, by user: String?) async throws
    /// Ends a mute; false when the server was not muted.
    func unmute(_ server: ServerName) async throws -> Bool
    /// Servers muted now, with the end of their mute.
    func mutes(now: Timestamp) async throws -> [(server: String, until: Timestamp)]
}

/// The result of running one command.
public struct Execution: Sendable {
    public enum Outcome: String, Sendable {
        /// The command did what was asked.
        case ok
        /// The command was refused before any request (bad arguments).
        case usageError = "usage_error"
        /// The homeserver or its admin API failed or refused.
        case apiError = "api_error"
    }

    public var reply: Reply
    public var outcome: Outcome
    /// Work to do a little later: after a reset, re-check the destination and report.
    public var followUp: FollowUp?
    /// The command that ran, nil when the words did not parse.
    public var command: CommandName?

    public init(reply: Reply, outcome: Outcome, followUp: FollowUp? = nil, command: CommandName? = nil) {
        self.reply = reply
        self.outcome = outcome
        self.followUp = followUp
        self.command = command
    }
}

/// A follow-up the executor asks for.
public enum FollowUp: Sendable, Equatable, Codable {
    /// Re-check `server` after a reset; `previousFailure` is its `failure_ts` before the reset.
    case recheckAfterReset(server: ServerName, previousFailure: Timestamp?)
}

/// Runs parsed commands against Synapse and renders the replies. Used by the bot and by `fedbot fed`.
public struct CommandExecutor: Sendable {
    public let admin: SynapseAdminClient
    public let matrix: MatrixClient?
    public let prefix: String
    public let watcher: (any WatcherControl)?
    let now: @Sendable () -> Timestamp
    let logger: Logger

    public init(
        admin: SynapseAdminClient, matrix: MatrixClient?, prefix: String, watcher: (any WatcherControl)?,
        logger: Logger, now: @escaping @Sendable () -> Timestamp = Timestamp.now
    ) {
        self.admin = admin
        self.matrix = matrix
        self.prefix = prefix
        self.watcher = watcher
        self.logger = logger
        self.now = now
    }

    /// How long after a reset the destination is checked again.
    public static let resetRecheckDelay: Duration = .seconds(5)

    var context: RenderContext { RenderContext(prefix: prefix, now: now()) }

    /// Parses and runs message text (`!fed …`); nil when the text is not a command.
    public func run(message: String) async -> Execution? {
        guard let parsed = CommandParser(prefix: prefix).parse(message: message) else { return nil }
        switch parsed {
        case .success(let command): return await run(command)
        case .failure(let error): return usage(error)
        }
    }

    /// Runs parsed words (the CLI's arguments).
    public func run(words: [String]) async -> Execution {
        do {
            return await run(try CommandParser(prefix: prefix).parse(words: words))
        } catch {
            return usage(error)
        }
    }

    func usage(_ error: CommandError) -> Execution {
        Execution(reply: UsageReply(error).render(context), outcome: .usageError, command: error.command)
    }

    /// Runs one command. Never throws: every failure becomes a reply that says what to do.
    public func run(_ command: Command) async -> Execution {
        var execution = await execute(command)
        execution.command = command.name
        return execution
    }

    func execute(_ command: Command) async -> Execution {
        do {
            switch command {
            case .help(let topic):
                let commands =
                    watcher == nil
                    ? CommandName.allCases.filter { ![.mute, .unmute, .incidents].contains($0) } : CommandName.allCases
                return ok(HelpReply(topic: topic, commands: commands).render(context))
            case .list(let options):
                return ok(try await list(options).render(context))
            case .show(let server):
                return ok(try await show(server).render(context))
            case .rooms(let server, let paging):
                return ok(try await rooms(server, paging: paging).render(context))
            case .reset(let server):
                return try await reset(server)
            case .status:
                let result = await status()
                return Execution(reply: result.render(context), outcome: result.isHealthy ? .ok : .apiError)
            case .mute, .unmute, .incidents:
                return try await watcherCommand(command)
            }
        } catch let error as SynapseAdminError {
            logger.info("Command failed", metadata: ["command": "\(command.name.rawValue)", "error": "\(error)"])
            let suggestions = await suggestions(for: command, error: error)
            return Execution(
                reply: ErrorReply(command: command, error: error, suggestions: suggestions).render(context),
                outcome: .apiError)
        } catch {
            logger.info("Command failed", metadata: ["command": "\(command.name.rawValue)", "error": "\(error)"])
            return Execution(
                reply: ErrorReply(command: command, error: .transport("\(error)")).render(context), outcome: .apiError)
        }
    }

    private func ok(_ reply: Reply) -> Execution {
        Execution(reply: reply, outcome: .ok)
    }

    // MARK: Commands

    func list(_ options: ListOptions) async throws -> ListResult {
        let scan = try await admin.failingDestinations()
        let failing = scan.failing.filter { nameMatches($0.destination, options.text) }
        var total = scan.total
        if let text = options.text {
            total = try await admin.destinations(DestinationQuery(limit: 1, nameContains: text)).total
        }
        let plan = ListPlan(options: options, failing: failing, total: total, placement: scan.placement)
        guard var query = plan.window(extra: 16) else { return ListResult(plan: plan, rows: plan.rows(window: nil)) }
        // Usually one request of a page and a few rows: fetch on only when failing rows took the room.
        var window: [Destination] = []
        while true {
            let page = try await admin.destinations(query).destinations
            window += page
            let rows = plan.rows(window: window)
            if plan.isComplete(rows) || page.count < query.limit || window.count >= plan.maximumWindow {
                return ListResult(plan: plan, rows: rows)
            }
            query.from += page.count
            query.limit = min(plan.maximumWindow - window.count, query.limit * 4)
        }
    }

    func show(_ server: ServerName) async throws -> ShowResult {
        let destination = try await admin.destination(server)
        let rooms = try? await admin.destinationRooms(server, limit: 1).total
        return ShowResult(destination: destination, sharedRooms: rooms)
    }

    func rooms(_ server: ServerName, paging: Paging) async throws -> RoomsResult {
        let page = try await admin.destinationRooms(server, from: paging.offset, limit: paging.limit)
        let details = await roomDetails(page.rooms.map(\.roomID))
        let rooms = page.rooms.map { room -> RoomsResult.Room in
            let detail = details[room.roomID]
            return RoomsResult.Room(
                roomID: room.roomID, name: detail?.name, alias: detail?.canonicalAlias, members: detail?.joinedMembers)
        }
        return RoomsResult(server: server, total: page.total, rooms: rooms, paging: paging)
    }

    /// Room details, a few requests at a time; a room whose details fail is shown by ID only.
    func roomDetails(_ ids: [String]) async -> [String: RoomDetails] {
        let admin = self.admin
        return await withTaskGroup(of: RoomDetails?.self) { group in
            var results: [String: RoomDetails] = [:]
            var pending = ids[...]
            var running = 0
            while running < 8, let id = pending.popFirst() {
                group.addTask { try? await admin.room(id) }
                running += 1
            }
            for await result in group {
                if let result { results[result.roomID] = result }
                if let id = pending.popFirst() {
                    group.addTask { try? await admin.room(id) }
                }
            }
            return results
        }
    }

    func reset(_ server: ServerName) async throws -> Execution {
        let before = try await admin.destination(server)
        let outcome = try await admin.resetConnection(server)
        let result = ResetResult(server: server, outcome: outcome, before: before)
        let followUp: FollowUp? =
            outcome == .reset
            ? .recheckAfterReset(server: server, previousFailure: before.failureTs.map(Timestamp.init(milliseconds:)))
            : nil
        logger.info("Reset destination", metadata: ["destination": "\(server)", "outcome": "\(outcome)"])
        return Execution(reply: result.render(context), outcome: .ok, followUp: followUp)
    }

    /// Runs a follow-up and renders its reply.
    public func run(_ followUp: FollowUp) async -> Reply {
        switch followUp {
        case .recheckAfterReset(let server, let previousFailure):
            do {
                let after = try await admin.destination(server)
                return ResetFollowUp(server: server, after: after, previousFailure: previousFailure).render(context)
            } catch {
                return ErrorReply(command: .show(server), error: error).render(context)
            }
        }
    }

    func status() async -> StatusResult {
        var homeserver = StatusResult.Check.failed("not checked")
        if let matrix {
            do {
                let me = try await matrix.whoAmI()
                homeserver = .ok("reachable, logged in as \(me.userID)")
            } catch let error as MatrixError {
                homeserver = .failed(Self.describe(error))
            } catch {
                homeserver = .failed("\(error)")
            }
        } else {
            homeserver = .ok("not used by this command")
        }
        var adminAPI = StatusResult.Check.failed("not checked")
        var federation: (failing: Int, total: Int)?
        do {
            let scan = try await admin.failingDestinations()
            federation = (scan.failing.count, scan.total)
            let version = (try? await admin.serverVersion()).map { "Synapse \($0)" } ?? "answering"
            adminAPI = .ok("\(version), server admin rights")
        } catch {
            adminAPI = .failed(error.description)
        }
        var lastPoll: Timestamp?
        var incidents: Int?
        var muted: Int?
        if let watcher {
            lastPoll = await watcher.lastPoll()
            incidents = try? await watcher.openIncidents().count
            muted = try? await watcher.mutes(now: now()).count
        }
        return StatusResult(
            homeserver: homeserver, adminAPI: adminAPI, federation: federation, watcherEnabled: watcher != nil,
            lastPoll: lastPoll, openIncidents: incidents, mutedServers: muted)
    }

    func watcherCommand(_ command: Command) async throws -> Execution {
        guard let watcher else {
            return Execution(
                reply: Reply([
                    .line(
                        "ℹ️ Notices are off here (no notices.rooms configured), so there is nothing to \(command.name.rawValue)."
                    )
                ]), outcome: .usageError)
        }
        let context = self.context
        switch command {
        case .mute(let server, let duration):
            let until = context.now + duration
            try await watcher.mute(server, until: until, by: nil)
            return ok(
                Reply([
                    .line(
                        "🔕 Muted \(bold: server.rawValue) until \(TimeText.absolute(until)): no notices about it until then, or until \(context.command("unmute", server.rawValue))."
                    )
                ]))
        case .unmute(let server):
            let was = try await watcher.unmute(server)
            return ok(
                Reply([
                    .line(
                        was
                            ? "🔔 \(bold: server.rawValue) is no longer muted."
                            : "ℹ️ \(bold: server.rawValue) was not muted.")
                ]))
        default:
            let incidents = try await watcher.openIncidents()
            return ok(IncidentsReply(incidents: incidents).render(context))
        }
    }

    /// Close names for an unknown destination, from Synapse's case-insensitive name filter.
    func suggestions(for command: Command, error: SynapseAdminError) async -> [String] {
        guard case .unknownDestination(let name) = error, let server = ServerName(name),
            (try? DestinationFilterText.validate(server.host)) != nil
        else { return [] }
        let page = try? await admin.destinations(DestinationQuery(limit: 5, nameContains: server.host))
        return (page?.destinations ?? []).map(\.destination).filter { $0 != name }
    }

    static func describe(_ error: MatrixError) -> String {
        switch error.kind {
        case .connectionRefused: "connection refused: is the homeserver running and homeserver.url right?"
        case .timeout: "no answer in time"
        case .http where error.isAuthenticationFailure:
            "the access token is not valid (\(error.errcode ?? "401")): get a new one with `fedbot login`"
        default: error.description
        }
    }
}

extension Timestamp {
    /// The wall clock now.
    public static func now() -> Timestamp {
        Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
    }
}
