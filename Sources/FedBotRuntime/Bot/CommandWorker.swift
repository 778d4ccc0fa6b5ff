import FedBotCore
import FedBotModels
import Foundation
import Logging
import MatrixClient
public import ServiceLifecycle
import Synchronization

/// Answers recorded commands, up to `concurrency` at a time so that a slow one (a big `rooms`, a request
/// waiting for its timeout) holds no other: checks who sent them, runs them, and puts the reply into the
/// outbox in the same transaction that marks the command done. Within a room those transactions happen in
/// the order the commands arrived (`RoomTurns`), so replies keep that order; a crash leaves the unanswered
/// commands pending, and they run again after the restart. Button reactions are recorded and completed the
/// same way (`CommandWorker+Reactions`). Also runs due follow-ups (the re-check after a reset).
public struct CommandWorker: Service {
    let identity: BotIdentity
    let inbox: CommandInbox
    let matrix: MatrixClient
    let clock: any BotClock
    let prefix: String
    let maxCommandAge: Duration
    let logger: Logger
    let executor: CommandExecutor
    let metrics: FedBotMetrics?
    let authorizer: Authorizer
    /// Show typing when a command takes longer than this.
    let typingAfter: Duration
    /// Wait this long after a reset before re-checking.
    let followUpDelay: Duration
    let refusals = RefusalLimiter(interval: .seconds(600))
    private let creators = Locked<[String: RoomCreation]>([:])
    /// When the next follow-up is due: kept in memory so that the hot path does not ask the store.
    private let followUpDue = Locked<Timestamp?>(nil)
    /// Commands run at the same time, at most.
    let concurrency: Int
    /// Commands started and not finished.
    private let running = Locked<Set<EventID>>([])
    private let turns = RoomTurns()

    init(
        identity: BotIdentity, inbox: CommandInbox, matrix: MatrixClient, clock: any BotClock, bot: FedBotConfig.Bot,
        executor: CommandExecutor, metrics: FedBotMetrics? = nil, logger: Logger,
        typingAfter: Duration = .milliseconds(400),
        followUpDelay: Duration = CommandExecutor.resetRecheckDelay, concurrency: Int = 8
    ) {
        self.concurrency = max(1, concurrency)
        self.identity = identity
        self.inbox = inbox
        self.matrix = matrix
        self.clock = clock
        self.prefix = bot.prefix
        self.maxCommandAge = bot.maxCommandAge
        self.logger = logger
        self.executor = executor
        self.metrics = metrics
        self.authorizer = Authorizer(operators: Set(bot.operators), minPowerLevel: bot.minPowerLevel)
        self.typingAfter = typingAfter
        self.followUpDelay = followUpDelay
    }

    /// How long commands still running at shutdown may go on (a stalled admin request would otherwise
    /// hold the process until its timeout). Cut short, they stay unanswered and the restart answers them.
    static let shutdownGrace: Duration = .seconds(3)

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await workUntilStopped() }
            group.addTask { await endAfterShutdownGrace() }
            // Whichever ends first ends the other: normally the worker; after the grace, the commands in
            // flight are cancelled (and not marked done).
            await group.next()
            group.cancelAll()
        }
        logger.info("Command worker stopped")
    }

    private func endAfterShutdownGrace() async {
        do {
            try await gracefulShutdown()
            try await clock.sleep(for: Self.shutdownGrace)
            logger.notice("A command was still running at shutdown; the restart answers it")
        } catch {
            // Cancelled: the worker finished, or the whole service was cancelled.
        }
    }

    private func workUntilStopped() async {
        let stored = try? await inbox.nextFollowUpDue()
        followUpDue.withLock { $0 = stored ?? nil }
        let stopping = StopFlag()
        await withGracefulShutdownHandler {
            // Commands in flight at shutdown finish (the group waits for them, up to the grace); none is
            // started after.
            await withTaskGroup(of: Void.self) { group in
                while !Task.isCancelled && !stopping.isStopped {
                    do {
                        try await startPending(in: &group)
                        try await processFollowUps()
                    } catch {
                        logger.error("Command processing failed", metadata: ["error": "\(error)"])
                    }
                    if stopping.isStopped { break }
                    await inbox.wait(timeout: nextWait())
                }
            }
        } onGracefulShutdown: {
            stopping.stop()
            inbox.wakeWorker()
        }
    }

    private func nextWait() -> Duration {
        guard let due = followUpDue.withLock({ $0 }) else { return .seconds(30) }
        let wait = due - clock.now
        return max(.milliseconds(10), min(wait, .seconds(30)))
    }

    /// Starts pending commands that are not running yet, while fewer than `concurrency` run. A command
    /// that finishes rings the worker, which then starts the next ones.
    func startPending(in group: inout TaskGroup<Void>) async throws {
        guard running.withLock({ $0.count }) < concurrency else { return }
        for command in try await inbox.pending() {
            let start = running.withLock { running -> Bool in
                guard running.count < concurrency, !running.contains(command.eventID) else { return false }
                running.insert(command.eventID)
                return true
            }
            guard start else { continue }
            let ticket = turns.take(command.roomID)
            group.addTask {
                do {
                    try await process(command, ticket: ticket)
                } catch {
                    logger.error(
                        "Command processing failed", metadata: ["event": "\(command.eventID)", "error": "\(error)"])
                }
                turns.finish(ticket)
                running.withLock { _ = $0.remove(command.eventID) }
                inbox.wakeWorker()
            }
        }
    }

    /// Answers one command; its reply is queued (and the command marked done) in its room's turn.
    func process(_ command: StoredCommand, ticket: RoomTurns.Ticket) async throws {
        // A button reaction on a notice or a ✅ on a prompt (CommandWorker+Reactions), in its room's turn.
        if let reaction = command.reaction {
            await turns.wait(for: ticket)
            if Task.isCancelled { return }
            try await processReaction(command, reaction)
            return
        }
        let started = clock.now
        let (reply, followUp, confirmation) = await answer(command)
        // Cut short by shutdown: what it answered is not the answer; the restart runs it again.
        if Task.isCancelled { return }
        var followUpRecord: (json: String, due: Timestamp)?
        if let followUp, let json = try? String(decoding: JSONEncoder().encode(followUp), as: UTF8.self) {
            followUpRecord = (json, clock.now + followUpDelay)
        }
        let message = reply.map {
            OutgoingMessage(
                transactionID: "fedbot.reply.\(command.eventID)", roomID: command.roomID,
                content: MessageContent.reply($0, to: command.eventID, threadRoot: command.threadRoot))
        }
        let extras = message.map { prompt(confirmation, message: $0, threadRoot: command.threadRoot) }
        await turns.wait(for: ticket)
        if Task.isCancelled { return }
        try await inbox.complete(
            command, reply: message, followUp: followUpRecord, now: clock.now, extras: extras ?? CompletionExtras())
        // Once stored: `processFollowUps` may be reading the store at the same time (the worker is rung after).
        if let due = followUpRecord?.due { noteFollowUp(due: due) }
        logger.debug(
            "Answered command", metadata: ["event": "\(command.eventID)", "took": "\(clock.now - started)"])
    }

    /// The reply to a command (nil when it gets none: a repeated refusal), a follow-up to schedule, and a
    /// bulk reset waiting for the sender's ✅ on the reply.
    func answer(_ command: StoredCommand) async -> (Reply?, FollowUp?, BulkResetConfirmation?) {
        let sender = command.sender
        let decision = await authorize(sender, in: command.roomID)
        guard decision.isAllowed else {
            logger.notice(
                "Refused a command", metadata: ["sender": "\(sender)", "room": "\(command.roomID)"])
            metrics?.commandRan("-", outcome: "refused")
            let key = "\(command.roomID) \(sender)"
            guard refusals.shouldAnswer(key, now: clock.now) else { return (nil, nil, nil) }
            return (authorizer.refusal(prefix: prefix), nil, nil)
        }
        let now = clock.now
        let maxAge = maxCommandAge
        // Accepted young (the intake checks the age), but not answered since: the bot stopped in between.
        if StaleCommandReply.isStale(receivedAt: Timestamp(milliseconds: command.receivedAt), now: now, maxAge: maxAge)
        {
            logger.notice(
                "Not running a command that waited too long", metadata: ["event": "\(command.eventID)"])
            metrics?.commandRan("-", outcome: "stale")
            let reply = StaleCommandReply(sentAt: Timestamp(milliseconds: command.originTs), maxAge: maxAge)
            return (reply.render(RenderContext(prefix: prefix, now: now)), nil, nil)
        }
        var command = command
        if command.body.isEmpty {
            // Stored without its body (the sender was promoted after it arrived): read the message again.
            guard let refetched = await refetch(command) else {
                metrics?.commandRan("-", outcome: "unreadable")
                return (Self.unreadable, nil, nil)
            }
            command = refetched
        }
        let executor = self.executor.acting(for: sender.rawValue)
        let execution = await withTyping(in: command.roomID) {
            await executor.run(parsed: executor.parser.parse(message: command.body))
        }
        guard let execution else { return (nil, nil, nil) }
        metrics?.commandRan(execution.command?.rawValue ?? "-", outcome: execution.outcome.rawValue)
        logRan(execution, sender: sender, room: command.roomID, via: "command")
        return (execution.reply, execution.followUp, execution.confirmation)
    }

    /// The answer when a body-less command cannot be read again.
    static let unreadable = Reply([.line("⚠️ Could not read your command again: please send it again.")])

    /// A command kept without its body, with the body read from the homeserver; nil when the event cannot
    /// be read or is no longer that command.
    func refetch(_ command: StoredCommand) async -> StoredCommand? {
        do {
            let event = try await matrix.event(command.roomID, id: command.eventID)
            let found = CommandIntake.refetched(
                command, from: event, botUser: identity.userID.rawValue, prefix: prefix)
            if found == nil {
                logger.notice("A command read again is no longer a command", metadata: ["event": "\(command.eventID)"])
            }
            return found
        } catch {
            logger.warning(
                "Cannot read a command again", metadata: ["event": "\(command.eventID)", "error": "\(error)"])
            return nil
        }
    }

    /// Operators always; others by their power level in the room, read fresh for every command.
    func authorize(_ sender: UserID, in room: RoomID) async -> Authorizer.Decision {
        if authorizer.operators.contains(sender) { return .operatorAllowed }
        do {
            let creation = try await roomCreation(room)
            let content = try await matrix.state(room, type: "m.room.power_levels")
            let levels = content?.object.map(PowerLevels.init(content:))
            return authorizer.decide(sender: sender, in: creation.authority(powerLevels: levels))
        } catch {
            logger.warning(
                "Cannot read the room's power levels; refusing", metadata: ["room": "\(room)", "error": "\(error)"])
            return .refused(level: 0)
        }
    }

    /// `m.room.create` never changes: read once per room.
    func roomCreation(_ room: RoomID) async throws -> RoomCreation {
        if let known = creators.withLock({ $0[room.rawValue] }) { return known }
        let creation = RoomCreation(createEvent: try await matrix.stateEvent(room, type: "m.room.create"))
        creators.withLock { $0[room.rawValue] = creation }
        return creation
    }

    /// Shows "typing…" while `operation` runs longer than `typingAfter`.
    func withTyping<T: Sendable>(in room: RoomID, _ operation: () async -> T) async -> T {
        let (matrix, me, clock, delay) = (self.matrix, identity.userID, self.clock, typingAfter)
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await clock.sleep(for: delay)
                    try await matrix.setTyping(room, user: me, typing: true)
                    return true
                } catch {
                    return false
                }
            }
            let result = await operation()
            group.cancelAll()
            if await group.next() == true {
                try? await matrix.setTyping(room, user: me, typing: false)
            }
            return result
        }
    }

    /// Remembers that a follow-up is due at `due`.
    func noteFollowUp(due: Timestamp) {
        followUpDue.withLock { $0 = min($0 ?? due, due) }
    }

    func processFollowUps() async throws {
        let now = clock.now
        guard let due = followUpDue.withLock({ $0 }), due <= now else { return }
        for (command, json) in try await inbox.dueFollowUps(now: now) {
            var message: OutgoingMessage?
            if let followUp = try? JSONDecoder().decode(FollowUp.self, from: Data(json.utf8)) {
                let reply = await executor.run(followUp)
                if Task.isCancelled { return }
                message = OutgoingMessage(
                    transactionID: "fedbot.followup.\(command.eventID)", roomID: command.roomID,
                    content: MessageContent.reply(
                        reply, to: command.reaction?.target ?? command.eventID, threadRoot: command.threadRoot))
            }
            try await inbox.completeFollowUp(of: command, message: message, now: clock.now)
        }
        let next = try? await inbox.nextFollowUpDue()
        followUpDue.withLock { $0 = next ?? nil }
    }
}

/// At most one refusal per key (room and user) per interval: a user without rights gets one short
/// answer, not one per message.
final class RefusalLimiter: Sendable {
    let interval: Duration
    private let last = Locked<[String: Timestamp]>([:])

    init(interval: Duration) {
        self.interval = interval
    }

    func shouldAnswer(_ key: String, now: Timestamp) -> Bool {
        last.withLock { last in
            if let previous = last[key], now - previous < interval { return false }
            last[key] = now
            return true
        }
    }
}
