public import FedBotCore
public import FedBotModels
public import Logging
public import MatrixClient
public import SynapseAdmin

/// Runs actions against Synapse and the watcher's store, and renders the replies Core builds from what it
/// gathered. Used by the bot (`run(parsed:)`), by `fedbot fed` (`run(words:)`), and by anything else that
/// makes an `Action` (a reaction on a notice).
public struct CommandExecutor: Sendable {
    public let admin: SynapseAdminClient
    public let matrix: MatrixClient?
    public let prefix: String
    public let watcher: (any WatcherControl)?
    /// The bot's outbox: `status` lists the messages it could not deliver (none from the shell).
    public var outbox: Outbox?
    /// `check SERVER`: the checker and its short cache.
    public var diagnosis: Diagnosis
    /// `show SERVER`'s contact line (the check engine through its short cache); nil leaves it out.
    public var contacts: (any FederationDiagnosing)?
    /// How long `show` waits for the contact; the check goes on and fills the cache for the next time.
    public var contactTimeout: Duration = .seconds(2)
    /// The probe service: `probes` lists its records (none when nothing is probed, or from the shell).
    public var probes: (any ProbeListing)?
    let now: @Sendable () -> Timestamp
    let logger: Logger
    /// Who the actions are run for (the sender of the command or reaction); nil from a shell.
    public var requester: String?
    /// The action came from a reaction: replies name who pressed the button.
    public var fromReaction = false
    /// Waits between two resets of a bulk reset (the bot's clock; `Task.sleep` from a shell).
    public var pause: @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }

    public init(
        admin: SynapseAdminClient, matrix: MatrixClient?, prefix: String, watcher: (any WatcherControl)?,
        logger: Logger, now: @escaping @Sendable () -> Timestamp = Timestamp.now,
        diagnosis: Diagnosis = Diagnosis(config: FedBotConfig.Diagnostics())
    ) {
        self.diagnosis = diagnosis
        self.admin = admin
        self.matrix = matrix
        self.prefix = prefix
        self.watcher = watcher
        self.logger = logger
        self.now = now
    }

    /// How long after a reset the destination is checked again.
    public static let resetRecheckDelay: Duration = .seconds(5)

    /// The grammar with this bot's prefix: the bot parses message bodies with it.
    public var parser: CommandParser { CommandParser(prefix: prefix) }

    var context: RenderContext { RenderContext(prefix: prefix, now: now()) }

    /// Runs what the parser made of a message; nil when the message was not a command.
    public func run(parsed: Result<Action, CommandError>?) async -> Execution? {
        switch parsed {
        case .some(.success(let action)): await run(action)
        case .some(.failure(let error)): usage(error)
        case .none: nil
        }
    }

    /// Parses and runs words (the CLI's arguments).
    public func run(words: [String]) async -> Execution {
        do {
            return await run(try parser.parse(words: words))
        } catch {
            return usage(error)
        }
    }

    func usage(_ error: CommandError) -> Execution {
        Execution(reply: UsageReply(error).render(context), outcome: .usageError, command: error.command)
    }

    /// Runs one action. Never throws: every failure becomes a reply that says what to do.
    public func run(_ action: Action) async -> Execution {
        var execution: Execution
        do {
            execution = try await perform(action)
        } catch is NoticesOff {
            execution = Execution(reply: NoticesOffReply(command: action.name).render(context), outcome: .usageError)
        } catch let problem as StateFileProblem {
            execution = Execution(reply: StateFileReply(problem).render(context), outcome: .usageError)
        } catch let error as SynapseAdminError {
            logger.info("Command failed", metadata: ["command": "\(action.name)", "error": "\(error)"])
            let suggestions = await suggestions(for: error)
            let reply = ErrorReply(action: action, error: error, suggestions: suggestions)
            execution = Execution(reply: reply.render(context), outcome: .apiError)
        } catch let error as MatrixError {
            // The client-server API (status, mute…): the same words as the admin API's failures.
            logger.info("Command failed", metadata: ["command": "\(action.name)", "error": "\(error)"])
            let reply = ErrorReply(action: action, error: SynapseAdminError(error, baseURL: admin.connection.baseURL))
            execution = Execution(reply: reply.render(context), outcome: .apiError)
        } catch {
            logger.info("Command failed", metadata: ["command": "\(action.name)", "error": "\(error)"])
            let reply = ErrorReply(action: action, error: .transport("\(error)"))
            execution = Execution(reply: reply.render(context), outcome: .apiError)
        }
        execution.command = action.name
        execution.arguments = action.arguments
        return execution
    }

    /// One short function per action (`CommandExecutor+…`): each gathers data, and Core's reply renders it.
    func perform(_ action: Action) async throws -> Execution {
        switch action {
        case .help(let topic): help(topic)
        case .list(let options): try await list(options)
        case .show(let server): try await show(server)
        case .rooms(let server, let paging): try await rooms(server, paging: paging)
        case .reset(let server): try await reset(server)
        case .resetFailing(let glob): try await resetFailing(glob)
        case .resetServers(let servers, let confirmed): try await resetServers(servers, confirmed: confirmed)
        case .status: await status()
        case .mute(let server, let duration): try await mute(server, for: duration)
        case .muteUntilRecovered(let server): try await muteUntilRecovered(server)
        case .ack(let server): try await acknowledge(server)
        case .unmute(let server): try await unmute(server)
        case .incidents: try await incidents()
        case .check(let server): await check(server)
        case .probes: try await probeList()
        }
    }

    /// This executor acting for `sender` (named in replies and recorded in the incident).
    public func acting(for sender: String, fromReaction: Bool = false) -> CommandExecutor {
        var copy = self
        copy.requester = sender
        copy.fromReaction = fromReaction
        return copy
    }

    func help(_ topic: CommandName?) -> Execution {
        let spec = topic.flatMap { CommandSpec.named($0.rawValue) }
        return ok(HelpReply(topic: spec, watcherEnabled: watcher != nil))
    }

    /// An answer that did what was asked.
    func ok(_ reply: some RenderableReply, followUp: FollowUp? = nil) -> Execution {
        Execution(reply: reply.render(context), outcome: .ok, followUp: followUp)
    }
}
