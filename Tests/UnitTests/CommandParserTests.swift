import FedBotCore
import FedBotModels
import MatrixClient
import Testing

/// A server name known to be valid (test data only).
private func server(_ text: String) -> ServerName {
    guard let name = ServerName(text) else { fatalError("test data: \(text) is not a server name") }
    return name
}

private func list(
    _ filter: ListFilter = .all, text: String? = nil, sort: ListSort? = nil, desc: Bool = false, limit: Int = 20,
    page: Int = 1
) -> Action {
    .list(
        ListOptions(filter: filter, text: text, sort: sort, descending: desc, paging: Paging(limit: limit, page: page)))
}

@Suite struct CommandParserTests {
    let parser = CommandParser(prefix: "!fed")

    struct Parsed: Sendable, CustomTestStringConvertible {
        var message: String
        var command: Action
        init(_ message: String, _ command: Action) {
            self.message = message
            self.command = command
        }
        var testDescription: String { message.debugDescription }
    }

    static let parsed: [Parsed] = [
        // help
        Parsed("!fed", .help(topic: nil)),
        Parsed("!fed   ", .help(topic: nil)),
        Parsed("!fed help", .help(topic: nil)),
        Parsed("!fed help list", .help(topic: .list)),
        Parsed("!fed HELP Reset", .help(topic: .reset)),
        Parsed("!fed help rooms", .help(topic: .rooms)),
        // list
        Parsed("!fed list", list()),
        Parsed("!fed list all", list(.all)),
        Parsed("!fed list failing", list(.failing)),
        Parsed("!fed list healthy", list(.healthy)),
        Parsed("!fed list matrix", list(text: "matrix")),
        Parsed("!fed list failing matrix.org", list(.failing, text: "matrix.org")),
        Parsed("!fed list healthy [::1]", list(.healthy, text: "[::1]")),
        Parsed("!fed list --sort name", list(sort: .name)),
        Parsed("!fed list --sort failure", list(sort: .failure)),
        Parsed("!fed list --sort retry", list(sort: .retry)),
        Parsed("!fed list --sort last-success", list(sort: .lastSuccess)),
        Parsed("!fed list --desc", list(desc: true)),
        Parsed("!fed list --limit 5", list(limit: 5)),
        Parsed("!fed list --limit 1", list(limit: 1)),
        Parsed("!fed list --limit 1000", list(limit: 1000)),
        Parsed("!fed list --page 3", list(page: 3)),
        Parsed("!fed list --limit=50 --page=2", list(limit: 50, page: 2)),
        Parsed(
            "!fed list failing matrix --sort name --desc --limit 5 --page 2",
            list(.failing, text: "matrix", sort: .name, desc: true, limit: 5, page: 2)),
        Parsed(
            "!fed list --page 2 --desc --sort retry healthy org --limit 7",
            list(.healthy, text: "org", sort: .retry, desc: true, limit: 7, page: 2)),
        // Case-insensitive command words, filters and options; TEXT keeps its case.
        Parsed(
            "!fed LIST Failing Matrix --SORT Last-Success --DESC --Limit 5 --PAGE 3",
            list(.failing, text: "Matrix", sort: .lastSuccess, desc: true, limit: 5, page: 3)),
        // show / rooms / reset
        Parsed("!fed show example.org", .show(server("example.org"))),
        Parsed("!fed SHOW example.org:8448", .show(server("example.org:8448"))),
        Parsed("!fed show 1.2.3.4:8448", .show(server("1.2.3.4:8448"))),
        Parsed("!fed show [::1]:8448", .show(server("[::1]:8448"))),
        Parsed("!fed show Example.ORG", .show(server("Example.ORG"))),
        Parsed("!fed show @alice:example.org", .show(server("example.org"))),
        Parsed("!fed show #room:example.org:8448", .show(server("example.org:8448"))),
        Parsed("!fed show https://matrix.to/#/@alice:example.org", .show(server("example.org"))),
        Parsed("!fed rooms example.org", .rooms(server("example.org"), Paging())),
        Parsed("!fed rooms example.org --limit 50 --page 3", .rooms(server("example.org"), Paging(limit: 50, page: 3))),
        Parsed("!fed rooms --page 2 example.org", .rooms(server("example.org"), Paging(limit: 20, page: 2))),
        Parsed("!fed reset example.org", .reset(server("example.org"))),
        Parsed("!fed Reset @bob:[::1]:8448", .reset(server("[::1]:8448"))),
        Parsed("!fed status", .status),
        Parsed("!fed STATUS", .status),
        // mute / unmute / incidents
        Parsed("!fed mute example.org", .mute(server("example.org"), duration: .seconds(24 * 3600))),
        Parsed("!fed mute example.org 2h", .mute(server("example.org"), duration: .seconds(7200))),
        Parsed("!fed mute example.org 1h30m", .mute(server("example.org"), duration: .seconds(5400))),
        Parsed("!fed mute example.org 7D", .mute(server("example.org"), duration: .seconds(7 * 86400))),
        Parsed("!fed mute example.org 365d", .mute(server("example.org"), duration: .seconds(365 * 86400))),
        Parsed("!fed unmute example.org", .unmute(server("example.org"))),
        Parsed("!fed incidents", .incidents),
        // Prefix and white space
        Parsed("!FED list", list()),
        Parsed("!Fed status", .status),
        Parsed("  !fed   list   failing  ", list(.failing)),
        Parsed("!fed\tlist\u{00A0}failing", list(.failing)),
        Parsed("!fed\nlist", list()),
        // Rich-reply fallbacks are dropped.
        Parsed("> <@a:b> quoted\n\n!fed list", list()),
        Parsed("> <@alice:example.org> line one\n> line two\n\n!fed show example.org", .show(server("example.org"))),
        Parsed(">\n> <@a:b> odd quote\n\n!fed status", .status),
        // Phone keyboards: curly quotes and dashes.
        Parsed("!fed list “matrix”", list(text: "matrix")),
        Parsed("!fed show ‘example.org’", .show(server("example.org"))),
        Parsed("!fed show “@alice:example.org”", .show(server("example.org"))),
        Parsed("!fed show \"example.org\"", .show(server("example.org"))),
        Parsed("!fed list —limit 5", list(limit: 5)),
        Parsed("!fed list –limit 5 —page 2", list(limit: 5, page: 2)),
        Parsed("!fed list failing —desc —sort name", list(.failing, sort: .name, desc: true)),
        Parsed("!fed rooms example.org —limit=5", .rooms(server("example.org"), Paging(limit: 5, page: 1))),
    ]

    @Test(arguments: parsed)
    func parsesCommands(_ parsed: Parsed) throws {
        let result = try #require(parser.parse(message: parsed.message))
        #expect(try result.get() == parsed.command)
    }

    @Test func otherPrefixes() throws {
        let parser = CommandParser(prefix: "!federation")
        #expect(try parser.parse(message: "!Federation status")?.get() == .status)
        #expect(parser.parse(message: "!fed status") == nil)
        #expect(try CommandParser(prefix: "fedbot:").parse(message: "fedbot: list")?.get() == list())
    }

    @Test(arguments: [
        "!fedx list",
        "!fed-list",
        "!fedlist",
        "!fe",
        "fed list",
        "hello !fed list",
        "please run !fed list",
        "",
        "   ",
        "> !fed list",
        "> <@a:b> !fed list\n\nthanks",
        "!federation status",
    ])
    func ignoresMessagesThatAreNotCommands(_ message: String) {
        #expect(parser.parse(message: message) == nil)
    }

    // MARK: Paging hints repeat the command

    @Test func listOptionsWordsParseBackToTheSameView() throws {
        for filter in ListFilter.allCases {
            for text in [nil, "matrix", "all", "failing", "healthy", "Healthy"] {
                for sort in [nil] + ListSort.allCases.map(Optional.some) {
                    for desc in [false, true] {
                        for limit in [20, 5] {
                            let options = ListOptions(
                                filter: filter, text: text, sort: sort, descending: desc,
                                paging: Paging(limit: limit, page: 1))
                            var next = options
                            next.paging.page = 4
                            let words = options.words(page: 4)
                            #expect(try parser.parse(words: words) == .list(next), "\(words)")
                        }
                    }
                }
            }
        }
    }

    @Test func listOptionsWordsAreMinimal() {
        #expect(ListOptions().words(page: 1) == ["list"])
        #expect(ListOptions().words(page: 2) == ["list", "--page", "2"])
        #expect(
            ListOptions(filter: .failing, text: "org", sort: .lastSuccess, descending: true, paging: Paging(limit: 5))
                .words(page: 3) == [
                    "list", "failing", "org", "--sort", "last-success", "--desc", "--limit", "5", "--page", "3",
                ])
    }

    @Test func pagingOffsets() {
        #expect(Paging().offset == 0)
        #expect(Paging(limit: 20, page: 3).offset == 40)
        #expect(Paging(limit: 1000, page: 1_000_000).offset == 999_999_000)
    }
}
