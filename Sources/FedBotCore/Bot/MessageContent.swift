public import FedBotModels

/// Builds `m.room.message` contents: `m.notice` with plain and HTML bodies, the relation, and empty
/// `m.mentions` so that no keyword in a reply pings anyone.
public enum MessageContent {
    /// A notice without relation (a new notice in a team room).
    public static func notice(_ reply: Reply) -> JSONValue {
        .object(base(reply))
    }

    /// A rich reply to `eventID`, in its thread when `threadRoot` is set.
    public static func reply(_ reply: Reply, to eventID: EventID, threadRoot: EventID?) -> JSONValue {
        var content = base(reply)
        if let threadRoot {
            content["m.relates_to"] = .object([
                "rel_type": .string("m.thread"),
                "event_id": .string(threadRoot.rawValue),
                "is_falling_back": .bool(false),
                "m.in_reply_to": .object(["event_id": .string(eventID.rawValue)]),
            ])
        } else {
            content["m.relates_to"] = .object(["m.in_reply_to": .object(["event_id": .string(eventID.rawValue)])])
        }
        return .object(content)
    }

    /// A message in the thread rooted at `root` (not a reply to a particular event).
    public static func threaded(_ reply: Reply, root: String) -> JSONValue {
        var content = base(reply)
        content["m.relates_to"] = .object([
            "rel_type": .string("m.thread"),
            "event_id": .string(root),
            "is_falling_back": .bool(true),
            "m.in_reply_to": .object(["event_id": .string(root)]),
        ])
        return .object(content)
    }

    /// An edit replacing the content of `eventID` (`m.replace`), with the `* ` fallback body.
    public static func edit(of eventID: String, with reply: Reply) -> JSONValue {
        var content = base(Reply(plain: "* " + reply.plain, html: reply.html))
        content["m.new_content"] = .object(base(reply))
        content["m.relates_to"] = .object(["rel_type": .string("m.replace"), "event_id": .string(eventID)])
        return .object(content)
    }

    /// A reaction (`m.reaction`, `m.annotation`) with `key` on `eventID`.
    public static func reaction(_ key: String, to eventID: String) -> JSONValue {
        .object([
            "m.relates_to": .object([
                "rel_type": .string("m.annotation"), "event_id": .string(eventID), "key": .string(key),
            ])
        ])
    }

    static func base(_ reply: Reply) -> [String: JSONValue] {
        [
            "msgtype": .string("m.notice"),
            "body": .string(reply.plain),
            "format": .string("org.matrix.custom.html"),
            "formatted_body": .string(reply.html),
            "m.mentions": .object([:]),
        ]
    }
}
