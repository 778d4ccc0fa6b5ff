public import FedBotModels

/// Decides which room events are commands for the bot. Pure: the caller supplies the time.
public struct CommandIntake: Sendable {
    /// The bot's own user ID: its events are never commands.
    public var botUser: String
    public var prefix: String
    /// Room IDs where commands are accepted.
    public var adminRooms: Set<RoomID>
    /// Events sent before this (the bot's first sync) are history, not commands.
    public var notBefore: Int64
    /// `bot.max_command_age`.
    public var maxAge: Duration
    /// Room IDs where button reactions are accepted: the admin rooms and the notice rooms.
    public var reactionRooms: Set<RoomID>

    public init(
        botUser: String, prefix: String, adminRooms: Set<RoomID>, notBefore: Int64, maxAge: Duration,
        noticeRooms: Set<RoomID> = []
    ) {
        self.botUser = botUser
        self.prefix = prefix
        self.adminRooms = adminRooms
        self.notBefore = notBefore
        self.maxAge = maxAge
        self.reactionRooms = adminRooms.union(noticeRooms)
    }

    /// Why an event is not a command.
    public enum Ignored: String, Sendable, Equatable {
        case notAdminRoom = "not_admin_room"
        case notMessage = "not_message"
        case ownEvent = "own_event"
        case notText = "not_text"
        case edit
        case notCommand = "not_command"
        case beforeFirstSync = "before_first_sync"
        case tooOld = "too_old"
        case malformed
    }

    public enum Decision: Sendable, Equatable {
        case command(StoredCommand)
        case ignore(Ignored)
    }

    public func classify(_ event: ClientEvent, in roomID: RoomID, now: Int64) -> Decision {
        if event.type == "m.reaction" { return classifyReaction(event, in: roomID, now: now) }
        guard adminRooms.contains(roomID) else { return .ignore(.notAdminRoom) }
        guard event.type == "m.room.message", !event.isState else { return .ignore(.notMessage) }
        guard event.sender != botUser else { return .ignore(.ownEvent) }
        let content = event.content
        guard content["msgtype"]?.string == "m.text" else { return .ignore(.notText) }
        let relation = content["m.relates_to"]
        if relation?["rel_type"]?.string == "m.replace" || content["m.new_content"] != nil { return .ignore(.edit) }
        guard let rawBody = content["body"]?.string else { return .ignore(.malformed) }
        // The plain body decides whether this is a command at all: pills are only looked at for commands.
        guard Tokenizer.commandText(in: rawBody, prefix: prefix) != nil else { return .ignore(.notCommand) }
        var body = rawBody
        if content["format"]?.string == "org.matrix.custom.html", let html = content["formatted_body"]?.string {
            body = PillResolver.resolve(body: rawBody, formattedBody: html)
        }
        guard Tokenizer.commandText(in: body, prefix: prefix) != nil else { return .ignore(.notCommand) }
        guard let eventID = event.eventID.flatMap(EventID.init), let ts = event.originServerTs,
            let sender = UserID(event.sender)
        else {
            return .ignore(.malformed)
        }
        guard ts >= notBefore else { return .ignore(.beforeFirstSync) }
        guard now - ts <= maxAge.wholeMilliseconds else { return .ignore(.tooOld) }
        let threadRoot =
            relation?["rel_type"]?.string == "m.thread" ? relation?["event_id"]?.string.flatMap(EventID.init) : nil
        return .command(
            StoredCommand(
                eventID: eventID, roomID: roomID, sender: sender, body: body, threadRoot: threadRoot,
                originTs: ts, receivedAt: now))
    }
}

extension CommandIntake {
    /// `command`, stored without its body (its sender could not command the bot when it arrived), with
    /// the body read again from `event` (`GET /rooms/{roomId}/event/{eventId}`) and kept as the intake
    /// keeps it (pills resolved, cut at `maximumCommandBytes`). Nil unless `event` is that same message by
    /// the same sender and still a command (a redacted or edited-away one is not).
    public static func refetched(
        _ command: StoredCommand, from event: ClientEvent, botUser: String, prefix: String
    ) -> StoredCommand? {
        guard event.eventID == command.eventID.rawValue, let ts = event.originServerTs else { return nil }
        let intake = CommandIntake(
            botUser: botUser, prefix: prefix, adminRooms: [command.roomID], notBefore: .min, maxAge: .zero)
        guard case .command(let found) = intake.classify(event, in: command.roomID, now: ts),
            found.sender == command.sender
        else { return nil }
        var result = command
        result.body = found.forStorage(keepingBody: true).body
        return result
    }

    /// A reaction is a command when it uses one of the bot's keys (🔁 👀 🔇 ✅) in an admin or notice room,
    /// under the same rules of sender and age as a message. Which event it points at is looked up by the
    /// worker: only the bot's own notices and prompts count.
    func classifyReaction(_ event: ClientEvent, in roomID: RoomID, now: Int64) -> Decision {
        guard reactionRooms.contains(roomID) else { return .ignore(.notAdminRoom) }
        guard !event.isState else { return .ignore(.notMessage) }
        guard event.sender != botUser else { return .ignore(.ownEvent) }
        let relation = event.content["m.relates_to"]
        guard relation?["rel_type"]?.string == "m.annotation", let key = relation?["key"]?.string,
            let target = relation?["event_id"]?.string.flatMap(EventID.init)
        else { return .ignore(.malformed) }
        guard NoticeButton.isKnown(key) else { return .ignore(.notCommand) }
        guard let eventID = event.eventID.flatMap(EventID.init), let ts = event.originServerTs,
            let sender = UserID(event.sender)
        else {
            return .ignore(.malformed)
        }
        guard ts >= notBefore else { return .ignore(.beforeFirstSync) }
        guard now - ts <= maxAge.wholeMilliseconds else { return .ignore(.tooOld) }
        return .command(
            StoredCommand(
                eventID: eventID, roomID: roomID, sender: sender, body: "", threadRoot: target, originTs: ts,
                receivedAt: now, reaction: StoredReaction(key: NoticeButton.normalized(key), target: target)))
    }
}

/// A button reaction recorded as a command: its key and the event it reacts to (also its `threadRoot`:
/// the answers to a button go in the notice's thread).
public struct StoredReaction: Sendable, Equatable {
    /// The key without emoji presentation selectors.
    public var key: String
    public var target: EventID

    public init(key: String, target: EventID) {
        self.key = key
        self.target = target
    }
}

/// Clients put a display name in `body` for a mention pill and the ID only in the HTML link.
/// This puts the IDs back, so that `!fed show <pill of @alice:example.org>` works.
///
/// Only the sender's own words count: links inside a quoted reply (`<mx-reply>`, written by whoever sent
/// the quoted message) are left out, only links to Matrix IDs are used, and only text after the quoted
/// fallback lines of the plain body is replaced.
public enum PillResolver {
    /// At most this many pills are resolved in one message (each costs a search through the body).
    public static let maximumPills = 20

    public static func resolve(body: String, formattedBody: String) -> String {
        var result = body
        let start = Tokenizer.fallbackEnd(in: body)
        for (text, target) in pills(in: formattedBody) where !text.isEmpty && text != target {
            if let range = result[start...].firstRange(of: text) {
                result.replaceSubrange(range, with: target)
            }
        }
        return result
    }

    /// `(link text, Matrix ID)` for each `<a href="https://matrix.to/#/ID">text</a>` outside `<mx-reply>`,
    /// where ID is a user ID, room alias or room ID.
    static func pills(in html: String) -> [(String, String)] {
        var found: [(String, String)] = []
        var rest = Substring(withoutReplyFallback(html))
        while found.count < maximumPills, let start = rest.firstRange(of: "<a href=\"https://matrix.to/#/") {
            let afterHref = rest[start.upperBound...]
            guard let quote = afterHref.firstIndex(of: "\""),
                let close = afterHref[quote...].firstIndex(of: ">"),
                let end = afterHref[close...].firstRange(of: "</a>")
            else { break }
            rest = afterHref[end.upperBound...]
            var target = String(afterHref[..<quote])
            if let query = target.firstIndex(of: "?") { target = String(target[..<query]) }
            target = ServerArgument.decoded(String(target.prefix { $0 != "/" }))
            guard UserID(target) != nil || RoomAlias(target) != nil || RoomID(target) != nil else { continue }
            let text = unescape(String(afterHref[afterHref.index(after: close)..<end.lowerBound]))
            found.append((text, target))
        }
        return found
    }

    /// The HTML without the quoted message of a reply fallback (`<mx-reply>…</mx-reply>`).
    static func withoutReplyFallback(_ html: String) -> Substring {
        guard let open = html.firstRange(of: "<mx-reply>"),
            let close = html[open.upperBound...].firstRange(of: "</mx-reply>")
        else { return Substring(html) }
        return Substring(String(html[..<open.lowerBound]) + html[close.upperBound...])
    }

    static func unescape(_ text: String) -> String {
        text.replacing("&lt;", with: "<").replacing("&gt;", with: ">").replacing("&quot;", with: "\"")
            .replacing("&#39;", with: "'").replacing("&amp;", with: "&")
    }
}

/// A command accepted from a room, waiting for (or done with) its reply.
public struct StoredCommand: Sendable, Equatable {
    public var eventID: EventID
    public var roomID: RoomID
    public var sender: UserID
    /// The text to parse: the message's plain body (a reply's quoted fallback lines included: the tokenizer
    /// skips them), with mention pills put back as the IDs they link to.
    public var body: String
    /// The root of the thread the command was sent in (the reply goes there too); nil outside threads.
    public var threadRoot: EventID?
    public var originTs: Int64
    public var receivedAt: Int64
    /// Set for a button reaction (its body is empty).
    public var reaction: StoredReaction?

    public init(
        eventID: EventID, roomID: RoomID, sender: UserID, body: String, threadRoot: EventID?, originTs: Int64,
        receivedAt: Int64, reaction: StoredReaction? = nil
    ) {
        self.reaction = reaction
        self.eventID = eventID
        self.roomID = roomID
        self.sender = sender
        self.body = body
        self.threadRoot = threadRoot
        self.originTs = originTs
        self.receivedAt = receivedAt
    }
}

extension StoredCommand {
    /// The longest command text (after a reply's quoted fallback, trimmed) that is parsed: longer ones get a
    /// one-line usage error, and the state file keeps only this much of them.
    public static let maximumCommandBytes = 4096
    /// Ends a body cut to `maximumCommandBytes`; the cut form is still too long, so it gets the same reply.
    public static let cutMarker = " …[cut]"

    /// The command text: the body after a reply's quoted fallback lines, without surrounding whitespace.
    static func commandText(of body: String) -> Substring {
        let text = body[Tokenizer.fallbackEnd(in: body)...]
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return text[first...last]
    }

    /// Whether `body` is longer than a command may be.
    public static func isTooLong(_ body: String) -> Bool {
        commandText(of: body).utf8.count > maximumCommandBytes
    }

    /// The command as the state file keeps it. Without `keepingBody` (its sender may not run commands)
    /// the body is left out: the row only makes the event known (exactly-once) and lets the worker refuse
    /// it. A body longer than `maximumCommandBytes` keeps its first `maximumCommandBytes` and
    /// `cutMarker`: it parses to the same "too long" usage error as the whole message.
    public func forStorage(keepingBody: Bool) -> StoredCommand {
        var stored = self
        guard keepingBody else {
            stored.body = ""
            return stored
        }
        guard body.utf8.count > Self.maximumCommandBytes else { return stored }
        let text = Self.commandText(of: body)
        guard text.utf8.count > Self.maximumCommandBytes else {
            // A long quoted fallback before a short command: the command alone parses the same.
            stored.body = String(text)
            return stored
        }
        var end = text.startIndex
        var bytes = 0
        for index in text.indices {
            let size = text[index].utf8.count
            if bytes + size > Self.maximumCommandBytes { break }
            bytes += size
            end = text.index(after: index)
        }
        stored.body = String(text[..<end]) + Self.cutMarker
        return stored
    }
}
