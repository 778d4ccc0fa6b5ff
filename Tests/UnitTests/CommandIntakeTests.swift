import FedBotCore
import FedBotModels
import MatrixClient
import Testing

/// Which room events become commands, and what text they carry.
@Suite struct CommandIntakeTests {
    let room = roomID("!ops:example.org")
    let now: Int64 = 1_795_519_500_000
    var intake: CommandIntake {
        CommandIntake(
            botUser: "@fedbot:example.org", prefix: "!fed", adminRooms: [room], notBefore: now - 60_000,
            maxAge: .seconds(600))
    }

    func event(
        _ body: String, html: String? = nil, msgtype: String = "m.text", sender: String = "@alice:example.org",
        ts: Int64? = nil, extra: [String: JSONValue] = [:]
    ) -> ClientEvent {
        var content: [String: JSONValue] = ["msgtype": .string(msgtype), "body": .string(body)]
        if let html {
            content["format"] = .string("org.matrix.custom.html")
            content["formatted_body"] = .string(html)
        }
        content.merge(extra) { _, new in new }
        return ClientEvent(
            type: "m.room.message", eventID: "$e", sender: sender, originServerTs: ts ?? now - 1000,
            content: .object(content))
    }

    func body(_ event: ClientEvent) -> String? {
        guard case .command(let command) = intake.classify(event, in: room, now: now) else { return nil }
        return command.body
    }

    func ignored(_ event: ClientEvent, in roomID: RoomID? = nil) -> CommandIntake.Ignored? {
        guard case .ignore(let why) = intake.classify(event, in: roomID ?? room, now: now) else { return nil }
        return why
    }

    @Test func acceptsATextCommandInAnAdminRoom() {
        #expect(body(event("!fed list failing")) == "!fed list failing")
        #expect(body(event("!FED status")) == "!FED status")
    }

    @Test func ignoresWhatIsNotACommandForTheBot() {
        #expect(ignored(event("!fed list"), in: roomID("!elsewhere:example.org")) == .notAdminRoom)
        #expect(ignored(event("!fed list", msgtype: "m.notice")) == .notText)
        #expect(ignored(event("!fed list", sender: "@fedbot:example.org")) == .ownEvent)
        #expect(ignored(event("hello")) == .notCommand)
        #expect(ignored(event("!fedora")) == .notCommand)
        #expect(ignored(event("!fed list", ts: now - 120_000)) == .beforeFirstSync)
        let edit = event(
            "* !fed reset example.org",
            extra: ["m.relates_to": .object(["rel_type": .string("m.replace"), "event_id": .string("$old")])])
        #expect(ignored(edit) == .edit)
    }

    @Test func ignoresCommandsOlderThanMaxCommandAge() {
        let old = CommandIntake(
            botUser: "@fedbot:example.org", prefix: "!fed", adminRooms: [room], notBefore: 0, maxAge: .seconds(600))
        #expect(old.classify(event("!fed list", ts: now - 601_000), in: room, now: now) == .ignore(.tooOld))
    }

    @Test func aPillIsReadAsTheIDItLinksTo() {
        let pill = event(
            "!fed show Alice",
            html: #"!fed show <a href="https://matrix.to/#/@alice:matrix.example.net">Alice</a>"#)
        #expect(body(pill) == "!fed show @alice:matrix.example.net")
    }

    /// A quoted message's HTML is written by its sender: its links must not rewrite the command.
    @Test func linksInAQuotedReplyDoNotRewriteTheCommand() {
        let quoted = event(
            "> <@mallory:evil.example> hi\n\n!fed list",
            html:
                #"<mx-reply><blockquote><a href="https://matrix.to/#/mute%20matrix.org%2052w">list</a></blockquote></mx-reply>!fed list"#
        )
        #expect(body(quoted) == "> <@mallory:evil.example> hi\n\n!fed list")
        let quotedPill = event(
            "> <@mallory:evil.example> list\n\n!fed list",
            html:
                #"<mx-reply><blockquote><a href="https://matrix.to/#/@mallory:evil.example">list</a></blockquote></mx-reply>!fed list"#
        )
        #expect(body(quotedPill) == "> <@mallory:evil.example> list\n\n!fed list")
    }

    @Test func onlyLinksToMatrixIDsArePills() {
        let fake = event(
            "!fed list", html: #"!fed <a href="https://matrix.to/#/reset%20matrix.org">list</a>"#)
        #expect(body(fake) == "!fed list")
        let room = event(
            "!fed show ops", html: #"!fed show <a href="https://matrix.to/#/#ops:example.org?via=example.org">ops</a>"#)
        #expect(body(room) == "!fed show #ops:example.org")
    }

    @Test func pillsAreOnlyLookedAtInCommands() {
        #expect(
            ignored(event("hello Alice", html: #"hello <a href="https://matrix.to/#/@alice:example.org">Alice</a>"#))
                == .notCommand)
    }

    @Test func atMostTwentyPillsAreResolved() {
        let links = (0..<50).map { #"<a href="https://matrix.to/#/@u\#($0):example.org">u\#($0)x</a>"# }
        let text = (0..<50).map { "u\($0)x" }
        let resolved = PillResolver.resolve(
            body: "!fed show " + text.joined(separator: " "), formattedBody: "!fed show " + links.joined(separator: " ")
        )
        #expect(resolved.ranges(of: ":example.org").count == PillResolver.maximumPills)
    }
}
