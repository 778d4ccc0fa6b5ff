import FedBotCore
import FedBotModels
import Testing

/// Usage errors: one line saying what was expected, with the usage.
extension CommandParserTests {
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
        Refused("!fed reset", "SERVER is missing. Usage: `!fed reset SERVER | --failing [GLOB]`", .reset),
        Refused("!fed mute", "SERVER is missing. Usage: `!fed mute SERVER [DURATION|until-recovered]`", .mute),
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
            "\"example.org:99999\" is not a server name like example.org or example.org:8448 (a user ID, room alias, URL or matrix.to link works too). Usage: `!fed reset SERVER | --failing [GLOB]`",
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
            "expected a duration like 30s, 10m, 2h or 1d, got \"2\" (add a unit: ms, s, m, h, d or w). Usage: `!fed mute SERVER [DURATION|until-recovered]`",
            .mute),
        Refused(
            "!fed mute example.org 1.5h",
            "expected a duration like 30s, 10m, 2h or 1d, got \"1.5h\" (no fractions: write 1h30m or 1500ms). Usage: `!fed mute SERVER [DURATION|until-recovered]`",
            .mute),
        Refused(
            "!fed mute example.org \"2 hours\"",
            "expected a duration like 30s, 10m, 2h or 1d, got \"2 hours\". Usage: `!fed mute SERVER [DURATION|until-recovered]`",
            .mute),
        Refused(
            "!fed mute example.org 0",
            "a mute needs a duration above 0 and up to 365d, like 2h or 7d. Usage: `!fed mute SERVER [DURATION|until-recovered]`",
            .mute
        ),
        // A huge word is quoted in part, so that the reply still fits in one event (over 4 KiB, the whole
        // command is too long: `CommandStorageTests`).
        Refused(
            "!fed show " + String(repeating: "<", count: 4_000),
            "\"" + String(repeating: "<", count: 40)
                + "…\" is not a server name like example.org or example.org:8448 (a user ID, room alias, URL or matrix.to link works too). Usage: `!fed show SERVER`",
            .show),
        Refused(
            "!fed " + String(repeating: "x", count: 4_000),
            "I don't know \"" + String(repeating: "x", count: 40) + "…\". `!fed help` lists the commands."),
        // A mute of Int64.max ms once trapped in `now + duration`, on every restart (the command stayed pending).
        Refused(
            "!fed mute example.org 9223372036854775807ms",
            "a mute needs a duration above 0 and up to 365d, like 2h or 7d. Usage: `!fed mute SERVER [DURATION|until-recovered]`",
            .mute
        ),
        Refused(
            "!fed mute example.org 366d",
            "a mute needs a duration above 0 and up to 365d, like 2h or 7d. Usage: `!fed mute SERVER [DURATION|until-recovered]`",
            .mute
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
}
