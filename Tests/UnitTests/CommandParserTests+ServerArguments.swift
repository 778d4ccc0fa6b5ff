import FedBotCore
import FedBotModels
import Testing

/// SERVER as people paste it from clients.
extension CommandParserTests {
    // MARK: SERVER arguments

    struct Pasted: Sendable, CustomTestStringConvertible {
        var text: String
        var server: String?
        init(_ text: String, _ server: String?) {
            self.text = text
            self.server = server
        }
        var testDescription: String { text.debugDescription }
    }

    static let pasted: [Pasted] = [
        Pasted("example.org", "example.org"),
        Pasted("example.org:8448", "example.org:8448"),
        Pasted("[::1]:8448", "[::1]:8448"),
        Pasted("Example.Org", "Example.Org"),
        Pasted("example.org.", "example.org"),
        Pasted("@alice:example.org", "example.org"),
        Pasted("@alice:example.org:8448", "example.org:8448"),
        Pasted("@alice:[2001:db8::1]:8448", "[2001:db8::1]:8448"),
        Pasted("#room:example.org", "example.org"),
        Pasted("!abcdef:example.org", "example.org"),
        Pasted("https://matrix.example.org:8448/path", "matrix.example.org:8448"),
        Pasted("https://matrix.example.org", "matrix.example.org"),
        Pasted("https://matrix.example.org/", "matrix.example.org"),
        Pasted("https://matrix.example.org?x=1", "matrix.example.org"),
        Pasted("HTTPS://matrix.example.org/_matrix/client/versions", "matrix.example.org"),
        Pasted("http://[::1]:8008/_matrix", "[::1]:8008"),
        Pasted("https://user@matrix.example.org/", "matrix.example.org"),
        Pasted("https://matrix.to/#/@alice:example.org", "example.org"),
        Pasted("https://app.element.io/#/user/@alice:example.org", "example.org"),
        Pasted("https://app.element.io/#/room/#ops:example.org:8448", "example.org:8448"),
        Pasted("https://chat.example.net/#/room/!abc:example.org?via=example.org", "example.org"),
        Pasted("https://matrix.to/#/%40alice%3Aexample.org", "example.org"),
        Pasted("https://matrix.to/#/@alice%3aexample.org:8448", "example.org:8448"),
        Pasted("https://matrix.to/#/#room:example.org", "example.org"),
        Pasted("https://matrix.to/#/%23room%3Aexample.org?via=other.org", "example.org"),
        Pasted("https://matrix.to/#/!abc:example.org?via=other.org", "example.org"),
        Pasted("https://matrix.to/#/!abc:example.org/$event?via=other.org", "example.org"),
        Pasted("https://matrix.to/#/!abc%3Aexample.org/%24event%3Aother.org", "example.org"),
        Pasted("https://matrix.to/#/!v12roomid/$event?via=via.example.org&via=other.org", "via.example.org"),
        Pasted("https://matrix.to/#/!v12roomid?via=via.example.org", "via.example.org"),
        Pasted("http://matrix.to/#/@alice:example.org", "example.org"),
        Pasted("matrix:u/alice:example.org", "example.org"),
        Pasted("matrix:u/alice:example.org?action=chat", "example.org"),
        Pasted("matrix:u/alice%3Aexample.org", "example.org"),
        Pasted("matrix:r/room:example.org", "example.org"),
        Pasted("matrix:roomid/abc:example.org", "example.org"),
        Pasted("matrix:roomid/abc:example.org/e/event", "example.org"),
        Pasted("matrix:roomid/abc?via=via.example.org", "via.example.org"),
        Pasted("`example.org`", "example.org"),
        Pasted("<example.org>", "example.org"),
        Pasted("\"example.org\"", "example.org"),
        Pasted("'example.org'", "example.org"),
        Pasted("`@alice:example.org`", "example.org"),
        Pasted("<https://matrix.to/#/@alice:example.org>", "example.org"),
        // Junk
        Pasted("", nil),
        Pasted("not_a_server", nil),
        Pasted("exa mple", nil),
        Pasted("example..org", nil),
        Pasted("@alice", nil),
        Pasted("#room", nil),
        Pasted("!v12roomid", nil),
        Pasted("$event", nil),
        Pasted("https://", nil),
        Pasted("https://exa_mple.org/", nil),
        Pasted("https://matrix.to/#/", nil),
        Pasted("https://matrix.to/#/nobody", nil),
        Pasted("https://matrix.to/#/!v12roomid", nil),
        Pasted("matrix:x/alice:example.org", nil),
        Pasted("matrix:u", nil),
        Pasted("ftp://example.org/", nil),
        Pasted("``", nil),
        Pasted("<>", nil),
        Pasted("example.org..", nil),
    ]

    @Test(arguments: pasted)
    func serverArguments(_ pasted: Pasted) {
        #expect(ServerArgument.parse(pasted.text)?.rawValue == pasted.server)
    }
}
