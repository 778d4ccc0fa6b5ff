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

    // MARK: Usage errors

    static let listUsage =
        "`!fed list [failing|healthy|all] [TEXT] [--sort name|failure|retry|last-success] [--desc] [--limit N] [--page N]`"

    struct Refused: Sendable, CustomTestStringConvertible {
        var message: String
        var error: String
        var command: CommandName?
        init(_ message: String, _ error: String, _ command: CommandName? = nil) {
            self.message = message
            self.error = error
            self.command = command
        }
        var testDescription: String { message.debugDescription }
    }

    static let refused: [Refused] = [
        Refused("!fed list --limit 0", "--limit takes a number from 1 to 1000, got \"0\". Usage: \(listUsage)", .list),
        Refused(
            "!fed list --limit 1001", "--limit takes a number from 1 to 1000, got \"1001\". Usage: \(listUsage)", .list),
        Refused(
            "!fed list --limit abc", "--limit takes a number from 1 to 1000, got \"abc\". Usage: \(listUsage)", .list),
        Refused(
            "!fed list --limit -5", "--limit takes a number from 1 to 1000, got \"-5\". Usage: \(listUsage)", .list),
        Refused(
            "!fed list --limit 2.5", "--limit takes a number from 1 to 1000, got \"2.5\". Usage: \(listUsage)", .list),
        Refused("!fed list --limit", "--limit needs a value. Usage: \(listUsage)", .list),
        Refused("!fed list --limit --desc", "--limit needs a value. Usage: \(listUsage)", .list),
        Refused("!fed list --page 0", "--page takes a number from 1 to 1000000, got \"0\". Usage: \(listUsage)", .list),
        Refused(
            "!fed list --page 1000001", "--page takes a number from 1 to 1000000, got \"1000001\". Usage: \(listUsage)",
            .list),
        Refused(
            "!fed rooms example.org --page x",
            "--page takes a number from 1 to 1000000, got \"x\". Usage: `!fed rooms SERVER [--limit N] [--page N]`",
            .rooms),
        Refused(
            "!fed rooms example.org --limit 0",
            "--limit takes a number from 1 to 1000, got \"0\". Usage: `!fed rooms SERVER [--limit N] [--page N]`",
            .rooms),
        Refused("!fed show", "SERVER is missing. Usage: `!fed show SERVER`", .show),
        Refused("!fed rooms", "SERVER is missing. Usage: `!fed rooms SERVER [--limit N] [--page N]`", .rooms),
        Refused("!fed reset", "SERVER is missing. Usage: `!fed reset SERVER`", .reset),
        Refused("!fed mute", "SERVER is missing. Usage: `!fed mute SERVER [DURATION]`", .mute),
        Refused(
            "!fed show not_a_server",
            "\"not_a_server\" is not a server name like example.org or example.org:8448 (a user ID, room alias, URL or matrix.to link works too). Usage: `!fed show SERVER`",
            .show),
        Refused(
            "!fed show \"exa mple\"",
            "\"exa mple\" is not a server name like example.org or example.org:8448 (a user ID, room alias, URL or matrix.to link works too). Usage: `!fed show SERVER`",
            .show),
        Refused(
            "!fed reset example.org:99999",
            "\"example.org:99999\" is not a server name like example.org or example.org:8448 (a user ID, room alias, URL or matrix.to link works too). Usage: `!fed reset SERVER`",
            .reset),
        Refused("!fed list --limt 5", "unknown option --limt, did you mean --limit? Usage: \(listUsage)", .list),
        Refused("!fed list --dsc", "unknown option --dsc, did you mean --desc? Usage: \(listUsage)", .list),
        Refused("!fed list --verbose", "unknown option --verbose. Usage: \(listUsage)", .list),
        Refused("!fed list --limit 5 --limit 6", "--limit is given twice. Usage: \(listUsage)", .list),
        Refused("!fed list --desc --desc", "--desc is given twice. Usage: \(listUsage)", .list),
        Refused("!fed show example.org --limit 5", "show takes no options. Usage: `!fed show SERVER`", .show),
        Refused("!fed status --verbose", "status takes no options. Usage: `!fed status`", .status),
        Refused("!fed show example.org extra", "unexpected \"extra\". Usage: `!fed show SERVER`", .show),
        Refused("!fed status now", "unexpected \"now\". Usage: `!fed status`", .status),
        Refused("!fed list failing matrix org", "unexpected \"org\". Usage: \(listUsage)", .list),
        Refused("!fed help list show", "unexpected \"show\". Usage: `!fed help [command]`", .help),
        Refused(
            "!fed list --sort bogus",
            "--sort takes name, failure, retry, last-success, got \"bogus\". Usage: \(listUsage)", .list),
        Refused("!fed list --sort", "--sort needs a value. Usage: \(listUsage)", .list),
        Refused(
            "!fed list 50%",
            "TEXT may contain only letters, digits, '-', '.', ':', '[' and ']', got \"50%\". Usage: \(listUsage)", .list
        ),
        Refused(
            "!fed list ex_ample",
            "TEXT may contain only letters, digits, '-', '.', ':', '[' and ']', got \"ex_ample\". Usage: \(listUsage)",
            .list),
        Refused(
            "!fed list failing \"a b\"",
            "TEXT may contain only letters, digits, '-', '.', ':', '[' and ']', got \"a b\". Usage: \(listUsage)", .list
        ),
        Refused(
            "!fed list exämple",
            "TEXT may contain only letters, digits, '-', '.', ':', '[' and ']', got \"exämple\". Usage: \(listUsage)",
            .list),
        Refused("!fed lst", "I don't know \"lst\". Did you mean `!fed list`? (`!fed help` lists all)"),
        Refused("!fed room example.org", "I don't know \"room\". Did you mean `!fed rooms`? (`!fed help` lists all)"),
        Refused("!fed rest example.org", "I don't know \"rest\". Did you mean `!fed reset`? (`!fed help` lists all)"),
        Refused("!fed stauts", "I don't know \"stauts\". Did you mean `!fed status`? (`!fed help` lists all)"),
        Refused("!fed xyzzy", "I don't know \"xyzzy\". `!fed help` lists the commands."),
        Refused("!fed help lst", "I don't know \"lst\". Did you mean `!fed list`? (`!fed help` lists all)"),
        Refused(
            "!fed mute example.org 2 hours",
            "expected a duration like 30s, 10m, 2h or 1d, got \"2\" (add a unit: ms, s, m, h, d or w). Usage: `!fed mute SERVER [DURATION]`",
            .mute),
        Refused(
            "!fed mute example.org 1.5h",
            "expected a duration like 30s, 10m, 2h or 1d, got \"1.5h\" (no fractions: write 1h30m or 1500ms). Usage: `!fed mute SERVER [DURATION]`",
            .mute),
        Refused(
            "!fed mute example.org \"2 hours\"",
            "expected a duration like 30s, 10m, 2h or 1d, got \"2 hours\". Usage: `!fed mute SERVER [DURATION]`", .mute),
        Refused(
            "!fed mute example.org 0",
            "a mute needs a duration above 0 and up to 365d, like 2h or 7d. Usage: `!fed mute SERVER [DURATION]`", .mute
        ),
        // A huge word is quoted in part, so that the reply still fits in one event.
        Refused(
            "!fed show " + String(repeating: "<", count: 20_000),
            "\"" + String(repeating: "<", count: 40)
                + "…\" is not a server name like example.org or example.org:8448 (a user ID, room alias, URL or matrix.to link works too). Usage: `!fed show SERVER`",
            .show),
        Refused(
            "!fed " + String(repeating: "x", count: 5_000),
            "I don't know \"" + String(repeating: "x", count: 40) + "…\". `!fed help` lists the commands."),
        // A mute of Int64.max ms once trapped in `now + duration`, on every restart (the command stayed pending).
        Refused(
            "!fed mute example.org 9223372036854775807ms",
            "a mute needs a duration above 0 and up to 365d, like 2h or 7d. Usage: `!fed mute SERVER [DURATION]`", .mute
        ),
        Refused(
            "!fed mute example.org 366d",
            "a mute needs a duration above 0 and up to 365d, like 2h or 7d. Usage: `!fed mute SERVER [DURATION]`", .mute
        ),
        Refused("!fed show \"example.org", "a quote is not closed"),
    ]

    @Test(arguments: refused)
    func refusesWithOneLine(_ refused: Refused) throws {
        let result = try #require(parser.parse(message: refused.message))
        guard case .failure(let error) = result else {
            Issue.record("parsed as \(result)")
            return
        }
        #expect(error.message == refused.error)
        #expect(error.command == refused.command)
        #expect(!error.message.contains("\n"))
    }

    @Test func lookalikeCommandWordsGetSuggestions() {
        #expect(CommandName.suggestion(for: "lst") == .list)
        #expect(CommandName.suggestion(for: "LST") == .list)
        #expect(CommandName.suggestion(for: "room") == .rooms)
        #expect(CommandName.suggestion(for: "rest") == .reset)
        #expect(CommandName.suggestion(for: "incident") == .incidents)
        #expect(CommandName.suggestion(for: "xyzzy") == nil)
        #expect(CommandName.suggestion(for: "s") == nil)
        #expect(CommandName.suggestion(for: "") == nil)
        #expect(EditDistance.between("kitten", "sitting") == 3)
        #expect(EditDistance.between("", "abc") == 3)
        #expect(EditDistance.between("abc", "abc") == 0)
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
