import FedBotCore
import FedBotModels
import Foundation
import Logging
import MatrixClient

/// Button reactions: 🔁 👀 🔇 on a notice run the same actions as `reset`, `ack` and
/// `mute … until-recovered`; ✅ on a bulk-reset prompt confirms it. A reaction is recorded like a command
/// (with the sync position) and completed like one (its answer queued in the same transaction), so it
/// is handled once across restarts and crashes. Answers go in the notice's thread.
extension CommandWorker {
    /// What a reaction points at, looked up in the bot's own outbox (no request to the homeserver).
    enum ReactionTarget {
        /// One of the bot's notices: its key and its post transaction.
        case notice(key: String, transaction: String)
        /// A bulk-reset prompt waiting for a ✅.
        case prompt(transaction: String, request: BulkResetConfirmation, used: Bool)
    }

    func processReaction(_ command: StoredCommand, _ reaction: StoredReaction) async throws {
        guard let target = try await reactionTarget(command, reaction) else {
            // Not on something of the bot's, or a key that means nothing there: recorded, no answer.
            try await inbox.complete(command, reply: nil, followUp: nil, now: clock.now)
            return
        }
        // In the notice's thread; for a prompt, where the prompt is (a reply to it outside threads).
        let root: EventID? =
            switch target {
            case .notice: reaction.target
            case .prompt(_, let request, _): request.threadRoot.flatMap(EventID.init)
            }
        var answer = await answerReaction(command, reaction, target: target)
        let message = answer.reply.map { reply in
            OutgoingMessage(
                transactionID: answer.transaction ?? "fedbot.reply.\(command.eventID)", roomID: command.roomID,
                content: root.map { MessageContent.threaded(reply, root: $0.rawValue) }
                    ?? MessageContent.reply(reply, to: reaction.target, threadRoot: nil))
        }
        if let message, let confirmation = answer.confirmation {
            answer.extras = prompt(confirmation, message: message, threadRoot: root)
        }
        var followUpRecord: (json: String, due: Timestamp)?
        if let followUp = answer.followUp,
            let json = try? String(decoding: JSONEncoder().encode(followUp), as: UTF8.self)
        {
            followUpRecord = (json, clock.now + followUpDelay)
            noteFollowUp(due: clock.now + followUpDelay)
        }
        // The follow-up goes in the notice's thread too: the intake made the notice the reaction's thread root.
        try await inbox.complete(
            command, reply: message, followUp: followUpRecord, now: clock.now, extras: answer.extras)
    }

    /// The answer to a reaction on something of the bot's.
    struct ReactionAnswer {
        var reply: Reply?
        /// The answer's transaction, when not the usual `fedbot.reply.<event>`.
        var transaction: String?
        var followUp: FollowUp?
        var confirmation: BulkResetConfirmation?
        var extras = CompletionExtras()
    }

    func answerReaction(_ command: StoredCommand, _ reaction: StoredReaction, target: ReactionTarget) async
        -> ReactionAnswer
    {
        let sender = command.sender
        let decision = await authorize(sender, in: command.roomID)
        guard decision.isAllowed else {
            logger.notice(
                "Refused a reaction",
                metadata: ["sender": "\(sender)", "room": "\(command.roomID)", "key": "\(reaction.key)"])
            metrics?.commandRan("-", outcome: "refused")
            guard refusals.shouldAnswer("\(command.roomID) \(sender)", now: clock.now) else { return ReactionAnswer() }
            return ReactionAnswer(reply: authorizer.refusal(prefix: prefix))
        }
        let context = RenderContext(prefix: prefix, now: clock.now)
        if StaleCommandReply.isStale(
            receivedAt: Timestamp(milliseconds: command.receivedAt), now: clock.now, maxAge: maxCommandAge)
        {
            logger.notice("Not acting on a reaction that waited too long", metadata: ["event": "\(command.eventID)"])
            return ReactionAnswer()
        }
        let executor = self.executor.acting(for: sender.rawValue, fromReaction: true)
        let actions: [Action]
        var used: String?
        switch target {
        case .notice(let key, let transaction):
            guard let button = NoticeButton(key: reaction.key), let state = try? await inbox.store.watcherState()
            else { return ReactionAnswer() }
            switch ReactionRules.plan(button, notice: state.notices[key], closedAt: state.closedNotices?[key]) {
            case .ignore:
                return ReactionAnswer()
            case .over(let recoveredAt):
                // Once per notice, whoever presses next: the transaction ID is the notice's.
                return ReactionAnswer(
                    reply: IncidentOverReply(recoveredAt: recoveredAt).render(context),
                    transaction: "fedbot.over.\(transaction)")
            case .run(let planned):
                actions = planned
            }
        case .prompt(let transaction, let request, let wasUsed):
            switch request.decide(sender: sender.rawValue, at: Timestamp(milliseconds: command.receivedAt)) {
            case .notRequester:
                logger.info("Ignored a ✅ by someone else than the requester", metadata: ["sender": "\(sender)"])
                return ReactionAnswer()
            case .expired:
                return ReactionAnswer(reply: ConfirmationExpiredReply().render(context))
            case .confirm(let servers):
                guard !wasUsed else { return ReactionAnswer() }
                actions = [.resetServers(servers, confirmed: true)]
                used = transaction
            }
        }
        var answer = ReactionAnswer()
        var replies: [Reply] = []
        for action in actions {
            let execution = await withTyping(in: command.roomID) { await executor.run(action) }
            metrics?.commandRan(execution.command?.rawValue ?? "-", outcome: execution.outcome.rawValue)
            logRan(execution, sender: sender, room: command.roomID, via: "reaction")
            replies.append(execution.reply)
            answer.followUp = answer.followUp ?? execution.followUp
            answer.confirmation = answer.confirmation ?? execution.confirmation
        }
        answer.reply = Reply(
            plain: replies.map(\.plain).joined(separator: "\n"), html: replies.map(\.html).joined())
        answer.extras.usedConfirmation = used
        return answer
    }

    /// The notice or prompt a reaction points at, if it is one of the bot's and the key means something
    /// there (a button on a notice, ✅ on a prompt).
    func reactionTarget(_ command: StoredCommand, _ reaction: StoredReaction) async throws -> ReactionTarget? {
        let store = inbox.store
        guard let transaction = try await store.transaction(sentAs: reaction.target, in: command.roomID) else {
            return nil
        }
        if NoticeButton.isConfirmation(reaction.key) {
            guard let (request, used) = try await store.confirmation(prompt: transaction) else { return nil }
            return .prompt(transaction: transaction, request: request, used: used)
        }
        guard NoticeButton(key: reaction.key) != nil else { return nil }
        let scope = try await store.value(BotStore.Key.noticeScope) ?? ""
        guard let key = NoticeOutbox.noticeKey(ofTransaction: transaction, room: command.roomID, scope: scope) else {
            return nil
        }
        return .notice(key: key, transaction: transaction)
    }

    /// For a reply that asks for a ✅: the request to keep with it, and the bot's own ✅ on it (a button
    /// to tap).
    func prompt(_ confirmation: BulkResetConfirmation?, message: OutgoingMessage, threadRoot: EventID?)
        -> CompletionExtras
    {
        guard var confirmation else { return CompletionExtras() }
        confirmation.threadRoot = threadRoot?.rawValue
        let button = OutgoingMessage(
            transactionID: "fedbot.confirm.\(message.transactionID)", roomID: message.roomID, eventType: "m.reaction",
            content: MessageContent.reaction(
                BulkReset.confirmKey, to: OutboxReference.placeholder(message.transactionID)))
        return CompletionExtras(messages: [button], confirmation: (message.transactionID, confirmation))
    }

    /// The audit line for every action, from a command or a reaction: who, what, with which arguments.
    func logRan(_ execution: Execution, sender: UserID, room: RoomID, via: String) {
        logger.info(
            "Ran command",
            metadata: [
                "sender": "\(sender)", "room": "\(room)", "via": "\(via)",
                "command": "\(execution.command?.rawValue ?? "-")",
                "arguments": "\(LogText.sanitized(execution.arguments ?? ""))",
                "outcome": "\(execution.outcome.rawValue)",
            ])
    }
}
