import FedBotCore
import FedBotModels
import Testing

/// A usage error quotes at most 40 characters of any word of the user's, so that the reply to a huge
/// message is still one small event (a reply over 64 KiB is never delivered).
@Suite struct HugeWordReplyTests {
    static let huge = String(repeating: "x", count: 70_000)

    static let messages: [String] = [
        "!fed list --\(huge)",
        "!fed list --limi=\(huge)",
        "!fed list --desc=\(huge)",
        "!fed list --limit 5 --limit=\(huge)",
        "!fed list --sort=\(huge)",
        "!fed list --limit=\(huge)",
        "!fed list failing \(huge)",
        "!fed list failing matrix \(huge)",
        "!fed show --\(huge)",
        "!fed show \(huge)",
        "!fed show example.org \(huge)",
        "!fed mute example.org \(huge)",
        "!fed mute example.org \"1h \(huge)\"",
        "!fed help \(huge)",
        "!fed help list \(huge)",
        "!fed \(huge)",
        "!fed show \"\(huge)",
    ]

    @Test(arguments: messages.indices)
    func usageErrorFitsInASmallEvent(_ index: Int) throws {
        let result = try #require(CommandParser(prefix: "!fed").parse(message: Self.messages[index]))
        guard case .failure(let error) = result else {
            Issue.record("parsed as \(result)")
            return
        }
        let reply = UsageReply(error).render(RenderContext(prefix: "!fed", now: Timestamp(milliseconds: 0)))
        #expect(reply.plain.utf8.count < 2048, "\(reply.plain.prefix(120))")
        #expect(reply.html.utf8.count < 2048, "\(reply.html.prefix(120))")
    }

    /// A quoted word cannot add a line or reorder what a client shows.
    @Test(arguments: [
        "!fed show \"a\u{202E}b\u{2066}c\u{0007}d\"", "!fed mute example.org \"1\u{202E}h\u{0007}\"",
        "!fed list \"a\u{2066}b\"", "!fed list --sort \"x\u{202E}\"", "!fed \"x\u{202E}y\"",
        "!fed list --l\u{202E}imit=5",
    ])
    func usageErrorShowsNoControlOrBidiCharacters(_ message: String) throws {
        let result = try #require(CommandParser(prefix: "!fed").parse(message: message))
        guard case .failure(let error) = result else {
            Issue.record("parsed as \(result)")
            return
        }
        let reply = UsageReply(error).render(RenderContext(prefix: "!fed", now: Timestamp(milliseconds: 0)))
        for scalar in ["\u{202E}", "\u{2066}", "\u{0007}", "\n"] {
            #expect(!reply.plain.contains(scalar) && !reply.html.contains(scalar))
        }
    }
}
