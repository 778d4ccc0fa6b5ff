import FedBotModels
import Foundation
import MatrixClient
import Testing

@Suite struct ServerNameTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        var text: String
        var host: String
        var port: Int?
        var testDescription: String { text }
    }

    static let valid: [Valid] = [
        Valid(text: "example.org", host: "example.org"),
        Valid(text: "example.org:8448", host: "example.org", port: 8448),
        Valid(text: "1.2.3.4", host: "1.2.3.4"),
        Valid(text: "1.2.3.4:8448", host: "1.2.3.4", port: 8448),
        Valid(text: "[::1]", host: "[::1]"),
        Valid(text: "[::1]:8448", host: "[::1]", port: 8448),
        Valid(text: "[2001:db8::1]:8448", host: "[2001:db8::1]", port: 8448),
        Valid(text: "[::ffff:1.2.3.4]", host: "[::ffff:1.2.3.4]"),
        Valid(text: "[::]", host: "[::]"),
        Valid(text: "[1:2:3:4:5:6:7:8]:1", host: "[1:2:3:4:5:6:7:8]", port: 1),
        Valid(text: "[1:2:3:4:5:6:7::]", host: "[1:2:3:4:5:6:7::]"),
        Valid(text: "[2001:DB8::A]", host: "[2001:DB8::A]"),
        Valid(text: "localhost", host: "localhost"),
        Valid(text: "localhost:65535", host: "localhost", port: 65535),
        Valid(text: "a-b.example", host: "a-b.example"),
        Valid(text: "matrix.example.org:443", host: "matrix.example.org", port: 443),
        Valid(text: "127.0.0.1:8481", host: "127.0.0.1", port: 8481),
    ]

    @Test(arguments: valid)
    func parsesValidNames(_ valid: Valid) throws {
        let name = try #require(ServerName(valid.text))
        #expect(name.rawValue == valid.text)
        #expect(name.description == valid.text)
        #expect(name.host == valid.host)
        #expect(name.port == valid.port)
    }

    @Test(arguments: [
        "",
        "example.org:",
        "example.org:0",
        ":8448",
        "example.org:65536",
        "example.org:123456",
        "example.org:-1",
        "example.org:84a8",
        "example.org:8448:1",
        "exa mple.org",
        " example.org",
        "example.org ",
        "example..org",
        ".example.org",
        "example.org.",
        "1.2.3.999",
        "1.2.3.4.:8448",
        "[::1",
        "::1",
        "[::1]:",
        "[::1]8448",
        "[zz::1]",
        "[1:2:3:4:5:6:7:8:9]",
        "[1:2:3:4:5:6:7:8::]",
        "[1::2::3]",
        "[:::]",
        "[12345::1]",
        "[1.2.3.4]",
        "[]",
        "ex_ample.org",
        "exämple.org",
        "example.org/path",
        "@alice:example.org",
        "https://example.org",
        String(repeating: "a", count: 64) + ".org",
        String(repeating: "a.", count: 128) + "org",
    ])
    func rejectsInvalidNames(_ text: String) {
        #expect(ServerName(text) == nil)
    }

    @Test func keepsCaseAsWritten() throws {
        // Synapse's destinations are case-sensitive: never normalise.
        let name = try #require(ServerName("Matrix.Example.ORG:8448"))
        #expect(name.rawValue == "Matrix.Example.ORG:8448")
        #expect(name.host == "Matrix.Example.ORG")
        #expect(name != ServerName("matrix.example.org:8448"))
    }

    @Test func ordersByBytesLikeSynapse() throws {
        let names = try ["b.org", "B.org", "a.org", "a.org:8448", "[::1]", "1.2.3.4"].map {
            try #require(ServerName($0))
        }
        #expect(names.sorted().map(\.rawValue) == ["1.2.3.4", "B.org", "[::1]", "a.org", "a.org:8448", "b.org"])
    }

    // MARK: User IDs, aliases, room and event IDs

    @Test func userIDs() throws {
        let user = try #require(UserID("@alice:example.org:8448"))
        #expect(user.localpart == "alice")
        #expect(user.server.rawValue == "example.org:8448")
        #expect(user.rawValue == "@alice:example.org:8448")
        #expect(UserID("@bob:[::1]:8448")?.server.host == "[::1]")
        #expect(UserID("@Bob:Example.org")?.server.rawValue == "Example.org")
        for invalid in [
            "", "@", "@alice", "@:example.org", "alice:example.org", "#alice:example.org",
            "@alice:", "@alice:exa mple.org", "@al ice:example.org", "@alice:example.org.",
            "@" + String(repeating: "a", count: 250) + ":example.org",
        ] {
            #expect(UserID(invalid) == nil, "\(invalid)")
        }
    }

    @Test func roomAliases() throws {
        let alias = try #require(RoomAlias("#ops:example.org"))
        #expect(alias.server.rawValue == "example.org")
        #expect(RoomAlias("#room:with:colons:example.org") == nil)
        for invalid in ["#ops", "#:example.org", "ops:example.org", "#ops:", "#o ps:example.org", "!ops:example.org"] {
            #expect(RoomAlias(invalid) == nil, "\(invalid)")
        }
    }

    @Test func roomIDsWithAndWithoutServer() throws {
        let old = try #require(RoomID("!abcDEF123:example.org"))
        #expect(old.server?.rawValue == "example.org")
        // Room version 12: the room ID is the create event's hash, with no server part.
        let v12 = try #require(RoomID("!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM"))
        #expect(v12.server == nil)
        #expect(v12.rawValue == "!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM")
        for invalid in ["", "!", "abc:example.org", "!abc:", "!abc:exa mple.org", "!ab c", "#abc:example.org"] {
            #expect(RoomID(invalid) == nil, "\(invalid)")
        }
    }

    @Test func eventIDs() {
        #expect(
            EventID("$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg")?.rawValue
                == "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg")
        #expect(EventID("$old:example.org") != nil)
        for invalid in ["", "$", "abc", "$a b", "!abc:example.org"] {
            #expect(EventID(invalid) == nil, "\(invalid)")
        }
    }

    @Test func roomReferences() {
        #expect(RoomReference("!abc:example.org") == .id(RoomID("!abc:example.org")!))
        #expect(RoomReference("#ops:example.org") == .alias(RoomAlias("#ops:example.org")!))
        #expect(RoomReference("@alice:example.org") == nil)
    }

    @Test func identifiersDecodeAndRefuseJunk() throws {
        let user = try JSONDecoder().decode(UserID.self, from: Data(#""@alice:example.org""#.utf8))
        #expect(user.server.rawValue == "example.org")
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(UserID.self, from: Data(#""alice""#.utf8))
        }
        let encoded = try JSONEncoder().encode(user)
        #expect(String(decoding: encoded, as: UTF8.self) == #""@alice:example.org""#)
    }
}
