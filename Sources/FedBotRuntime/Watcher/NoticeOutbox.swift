public import FedBotCore
public import FedBotModels
import Foundation

/// Turns the watcher's notice actions into outbox messages, one per notice room, with transaction IDs
/// derived from the notice keys so that nothing can be posted twice.
public enum NoticeOutbox {
    /// The transaction that posts notice `key` in `room`; edits and thread replies refer to it.
    ///
    /// `scope` tells this state file's notices from those of an earlier one (Synapse deduplicates a
    /// transaction ID of the same device for a day, so a state file deleted and made anew must not
    /// reuse `failure-1`): empty for state files that posted notices before scopes existed.
    public static func postTransaction(_ key: String, room: RoomID, scope: String = "") -> String {
        "fedbot.notice.\(scope)\(key).\(room.rawValue)"
    }

    public static func messages(for action: NoticeAction, rooms: [RoomID], scope: String = "") -> [OutgoingMessage] {
        rooms.flatMap { room in
            if case .post(let key, _) = action, let kind = kind(ofKey: key), NoticeButton.appliesTo(kind) {
                return [message(for: action, room: room, scope: scope)] + buttons(key, room: room, scope: scope)
            }
            return [message(for: action, room: room, scope: scope)]
        }
    }

    /// The bot's own reactions on a notice (🔁 👀 🔇), each with a transaction ID of its own: they go out
    /// once, after the notice.
    public static func buttons(_ key: String, room: RoomID, scope: String = "") -> [OutgoingMessage] {
        NoticeButton.allCases.map { button in
            OutgoingMessage(
                transactionID: "fedbot.button.\(scope)\(key).\(button).\(room.rawValue)", roomID: room,
                eventType: "m.reaction",
                content: MessageContent.reaction(
                    button.rawValue, to: OutboxReference.placeholder(postTransaction(key, room: room, scope: scope))))
        }
    }

    /// The kind a notice key names (`failure-3`).
    static func kind(ofKey key: String) -> NoticeRecord.Kind? {
        NoticeRecord.Kind(rawValue: String(key.prefix { $0 != "-" }))
    }

    /// The notice key a notice's transaction ID names, nil for any other transaction.
    public static func noticeKey(ofTransaction transaction: String, room: RoomID, scope: String) -> String? {
        let prefix = "fedbot.notice.\(scope)"
        let suffix = ".\(room.rawValue)"
        guard transaction.hasPrefix(prefix), transaction.hasSuffix(suffix),
            transaction.utf8.count > prefix.utf8.count + suffix.utf8.count
        else { return nil }
        return String(transaction.dropFirst(prefix.count).dropLast(suffix.count))
    }

    static func message(for action: NoticeAction, room: RoomID, scope: String) -> OutgoingMessage {
        switch action {
        case .post(let key, let reply):
            return OutgoingMessage(
                transactionID: postTransaction(key, room: room, scope: scope), roomID: room,
                content: MessageContent.notice(reply)
            )
        case .edit(let key, let revision, let reply):
            return OutgoingMessage(
                transactionID: "fedbot.edit.\(scope)\(key).\(revision).\(room.rawValue)", roomID: room,
                content: MessageContent.edit(
                    of: OutboxReference.placeholder(postTransaction(key, room: room, scope: scope)), with: reply))
        case .threadReply(let key, let replyKey, let reply):
            return OutgoingMessage(
                transactionID: "fedbot.thread.\(scope)\(replyKey).\(room.rawValue)", roomID: room,
                content: MessageContent.threaded(
                    reply, root: OutboxReference.placeholder(postTransaction(key, room: room, scope: scope))))
        }
    }
}

/// An event ID not known when a message is queued: the event an earlier outbox message becomes.
public enum OutboxReference {
    static let prefix = "$fedbot-txn:"

    public static func placeholder(_ transactionID: String) -> String {
        prefix + transactionID
    }

    /// The transaction IDs a content refers to.
    static func references(in value: JSONValue) -> Set<String> {
        switch value {
        case .string(let text) where text.hasPrefix(prefix): [String(text.dropFirst(prefix.count))]
        case .array(let items): items.reduce(into: []) { $0.formUnion(references(in: $1)) }
        case .object(let map): map.values.reduce(into: []) { $0.formUnion(references(in: $1)) }
        default: []
        }
    }

    /// The content with every placeholder replaced by its event ID.
    static func resolve(_ value: JSONValue, _ eventIDs: [String: String]) -> JSONValue {
        switch value {
        case .string(let text) where text.hasPrefix(prefix):
            .string(eventIDs[String(text.dropFirst(prefix.count))] ?? text)
        case .array(let items): .array(items.map { resolve($0, eventIDs) })
        case .object(let map): .object(map.mapValues { resolve($0, eventIDs) })
        default: value
        }
    }
}
