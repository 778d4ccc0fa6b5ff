import FedBotCore
import FedBotModels
import Testing

/// What the state file keeps of a command: its body only for senders who may command the bot, cut to
/// 4 KiB, and the cut form answered like the whole message.
@Suite struct CommandStorageTests {
    static let tooLong = "That command is too long (over 4 KiB). `!fed help` lists the commands."
    let parser = CommandParser(prefix: "!fed")

    func command(_ body: String) -> StoredCommand {
        StoredCommand(
            eventID: eventID("$e"), roomID: roomID("!r:example.org"), sender: userID("@a:example.org"), body: body,
            threadRoot: nil, originTs: 1, receivedAt: 1)
    }

    static let long: [String] = [
        "!fed list " + String(repeating: "x", count: 5000),
        "!fed show " + String(repeating: "example.org ", count: 400),
        "!fed list " + String(repeating: "🦊", count: 2000),
        "!fed " + String(repeating: " ", count: 5000) + "help",
        "> <@bob:example.org> " + String(repeating: "quoted ", count: 1000) + "\n\n!fed list "
            + String(repeating: "é", count: 3000),
    ]

    @Test(
        "a command over 4 KiB is answered with one usage line, and so is the cut form the state file keeps",
        arguments: long)
    func longCommand(_ body: String) throws {
        #expect(parser.parse(message: body) == .failure(CommandError(Self.tooLong)))
        let stored = command(body).forStorage(keepingBody: true).body
        #expect(stored.utf8.count <= StoredCommand.maximumCommandBytes + StoredCommand.cutMarker.utf8.count)
        #expect(stored.hasSuffix(StoredCommand.cutMarker))
        #expect(parser.parse(message: stored) == .failure(CommandError(Self.tooLong)))
    }

    @Test("a short command after a long quoted reply keeps the command, and parses the same")
    func longQuote() throws {
        let body = "> <@bob:example.org> " + String(repeating: "quoted ", count: 1000) + "\n\n!fed show example.org"
        let stored = command(body).forStorage(keepingBody: true).body
        #expect(stored == "!fed show example.org")
        #expect(parser.parse(message: stored) == parser.parse(message: body))
        #expect(command("!fed list").forStorage(keepingBody: true).body == "!fed list")
    }

    @Test("without the right to command, the body is not kept")
    func withoutRights() {
        let stored = command("!fed list secret").forStorage(keepingBody: false)
        #expect(stored.body.isEmpty)
        #expect(stored.eventID == eventID("$e"))
    }
}
