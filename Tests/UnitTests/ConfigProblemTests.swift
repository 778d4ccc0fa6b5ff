import FedBotRuntime
import Testing

/// What a user sees for each kind of mistake: one line per problem, naming the key path.
@Suite struct ConfigProblemTests {
    static let roomExpected = ##"expected a room ID like "!abc:example.org" or an alias like "#ops:example.org""##

    static let cases: [(yaml: String, problem: String)] = [
        (
            "bot:\n  max_command_age: ten minutes",
            #"bot.max_command_age: expected a duration like 30s, 10m, 2h or 1d, got "ten minutes""#
        ),
        (
            "bot:\n  max_command_age: 1h 30m",
            #"bot.max_command_age: expected a duration like 30s, 10m, 2h or 1d, got "1h 30m" (no spaces: write 1h30m)"#
        ),
        ("bot:\n  max_command_age: 0", "bot.max_command_age: must be longer than 0s"),
        ("notices:\n  interval: 500ms", "notices.interval: must be at least 1s, got 500ms"),
        (
            "notices:\n  remind_every: -1h",
            "notices.remind_every: expected a duration like 30s, 10m, 2h or 1d, "
                + #"got "-1h" (durations cannot be negative)"#
        ),
        ("bot:\n  max_comand_age: 5m", "bot.max_comand_age: unknown key, did you mean bot.max_command_age?"),
        ("bot:\n  maxCommandAge: 5m", "bot.maxCommandAge: unknown key, did you mean bot.max_command_age?"),
        ("notices:\n  intervall: 5m", "notices.intervall: unknown key, did you mean notices.interval?"),
        ("bot:\n  interval: 5m", "bot.interval: unknown key, did you mean notices.interval or probes.interval?"),
        ("notice:\n  interval: 5m", "notice: unknown key, did you mean notices?"),
        ("admin-api:\n  url: https://x.org", "admin-api: unknown key, did you mean admin_api?"),
        ("prefix: \"!x\"", "prefix: unknown key, did you mean bot.prefix?"),
        (
            "bot:\n  colour: red",
            "bot.colour: unknown key (keys in bot: prefix, rooms, operators, min_power_level, max_command_age)"
        ),
        (
            "frobnicate: 1",
            "frobnicate: unknown key (sections: homeserver, admin_api, bot, notices, storage, metrics, diagnostics, probes)"
        ),
        ("diagnostics:\n  timeout: 500ms", "diagnostics.timeout: must be between 1s and 60s, got 500ms"),
        (
            "diagnostics:\n  resolver: dns.example.org:53",
            #"diagnostics.resolver: expected an IP address and port like 127.0.0.1:53 or [::1]:53, got "dns.example.org:53""#
        ),
        (
            "diagnostics:\n  allow_ranges: [10.0.0.0/33]",
            #"diagnostics.allow_ranges[0]: expected a CIDR range like 10.0.0.0/8 or fd00::/8, got "10.0.0.0/33""#
        ),
        (
            "diagnostics:\n  on_notices: sometimes",
            #"diagnostics.on_notices: expected true or false, got "sometimes""#
        ),
        (
            "diagnostics:\n  ca_file: /nonexistent/ca.pem",
            #"diagnostics.ca_file: cannot read "/nonexistent/ca.pem" (a PEM file of CA certificates)"#
        ),
        ("bot:\n  min_power_level: high", #"bot.min_power_level: expected an integer, got "high""#),
        ("bot:\n  min_power_level: 1.5", #"bot.min_power_level: expected an integer, got "1.5""#),
        ("bot:\n  prefix: [a]", "bot.prefix: expected a string, got a list"),
        (
            "bot: \"!fed\"",
            "bot: expected a mapping with the keys prefix, rooms, operators, min_power_level, max_command_age, "
                + "got a single value"
        ),
        ("bot:\n  prefix: \"!fed bot\"", #"bot.prefix: must not contain spaces, got "!fed bot""#),
        ("bot:\n  prefix: \"\"", "bot.prefix: must not be empty (the default is !fed)"),
        ("bot:\n  prefix: !fed", #"bot.prefix: YAML reads !fed as a tag: put the value in quotes, e.g. "!fed""#),
        ("bot:\n  rooms: [\"ops\"]", #"bot.rooms[0]: \#(roomExpected), got "ops""#),
        (
            "bot:\n  rooms:\n    - \"#ops:example.org\"\n    - \"!bad room:x.org\"",
            #"bot.rooms[1]: \#(roomExpected), got "!bad room:x.org""#
        ),
        (
            "bot:\n  rooms:\n    - #ops:example.org",
            "bot.rooms[0]: \(roomExpected), got nothing "
                + "(quote values that start with #: YAML reads the rest of the line as a comment)"
        ),
        (
            "bot:\n  rooms:\n    - !abc:example.org",
            #"bot.rooms[0]: YAML reads !abc:example.org as a tag: put the value in quotes, e.g. "!abc:example.org""#
        ),
        (
            "bot:\n  rooms: \"#ops:example.org\"",
            ##"bot.rooms: expected a list of room IDs or aliases, got "#ops:example.org" "##
                + ##"(write a list: ["#ops:example.org"])"##
        ),
        (
            "notices:\n  rooms: [{id: x}]",
            "notices.rooms[0]: \(roomExpected), got a mapping"
        ),
        (
            "bot:\n  operators: [\"alice\"]",
            #"bot.operators[0]: expected a user ID like "@alice:example.org", got "alice""#
        ),
        (
            "notices:\n  ignore: [\"https://dead.example.com\"]",
            #"notices.ignore[0]: expected a server name or a glob like *.example.org, got "https://dead.example.com""#
        ),
        (
            "metrics:\n  listen: \"9464\"",
            #"metrics.listen: expected host:port like 127.0.0.1:9464 or [::1]:9464, got "9464""#
        ),
        (
            "metrics:\n  listen: \"[::1]\"",
            #"metrics.listen: expected host:port like 127.0.0.1:9464 or [::1]:9464, got "[::1]""#
        ),
        ("storage:\n  path: \"\"", #"storage.path: expected a file path like ./fedbot.sqlite, got """#),
        (
            "bot:\n  min_power_level: 0",
            "bot.min_power_level: must be at least 1, got 0 (at 0 every member of an admin room could run every "
                + "command, reset included; name people in bot.operators instead)"
        ),
        (
            "storage:\n  retention: 30m",
            "storage.retention: must be at least 1h10m (bot.max_command_age + 1h: a handled command is remembered "
                + "until a redelivery of it would be refused as too old), got 30m"
        ),
        (
            "bot:\n  max_command_age: 2d\nstorage:\n  retention: 2d",
            "storage.retention: must be at least 2d1h (bot.max_command_age + 1h: a handled command is remembered "
                + "until a redelivery of it would be refused as too old), got 2d"
        ),
        (
            "storage:\n  retention: forever",
            #"storage.retention: expected a duration like 30s, 10m, 2h or 1d, got "forever""#
        ),
        (
            "bot:\n  min_power_level: -5",
            "bot.min_power_level: must be at least 1, got -5 (at 0 every member of an admin room could run every "
                + "command, reset included; name people in bot.operators instead)"
        ),
    ]

    @Test(arguments: Self.cases)
    func eachMistakeHasAClearMessage(yaml: String, problem: String) {
        let yaml = yaml.hasPrefix("homeserver") ? yaml : "homeserver:\n  url: https://matrix.example.org\n" + yaml
        #expect(ConfigFixture.problems(yaml) == [problem])
    }

    @Test func theTopLevelMustBeAMapping() {
        #expect(
            ConfigFixture.problems("- homeserver") == [
                "expected a mapping of sections (homeserver, admin_api, bot, notices, storage, metrics, diagnostics, probes) "
                    + "at the top level, got a list"
            ])
    }

    static let urlExpected = "homeserver.url: expected an http:// or https:// URL like https://matrix.example.org"

    static let urlCases: [(url: String, problem: String)] = [
        (
            "matrix.example.org",
            "\(urlExpected), got " + #""matrix.example.org" (add https://)"#
        ),
        (
            "ftp://matrix.example.org",
            "\(urlExpected), got " + #""ftp://matrix.example.org""#
        ),
        (
            "https://matrix.example.org/?x=1",
            "\(urlExpected), got " + #""https://matrix.example.org/?x=1""#
        ),
        (
            "https://bad_host",
            "\(urlExpected), got " + #""https://bad_host""#
        ),
        (
            "https://bot:hunter2@matrix.example.org",
            "homeserver.url: must not contain a user name or password; tokens go in access_token"
        ),
    ]

    @Test(arguments: Self.urlCases)
    func badURLsAreExplained(url: String, problem: String) {
        #expect(ConfigFixture.problems("homeserver:\n  url: \"\(url)\"") == [problem])
    }

    @Test(arguments: [
        "https://matrix.example.org", "HTTPS://matrix.example.org/", "http://10.0.0.1:8008",
        "https://[::1]:8448/_prefix/",
    ])
    func goodURLsLoseTheirTrailingSlash(url: String) throws {
        let config = try ConfigFixture.load("homeserver:\n  url: \"\(url)\"").config
        #expect(!config.homeserver.url.hasSuffix("/"))
        #expect(config.adminAPI.url == config.homeserver.url)
    }

    @Test func missingURLAndTokenAreBothReported() {
        #expect(
            ConfigFixture.problems("", env: [:]) == [
                "homeserver.url: missing: set it to the client-server API base URL, e.g. https://matrix.example.org",
                "homeserver.access_token: missing: set FEDBOT_ACCESS_TOKEN, homeserver.access_token or "
                    + "homeserver.access_token_file",
            ])
    }

    @Test func allProblemsAreCollectedIntoOneError() throws {
        let yaml = """
            homeserver:
              url: matrix.example.org
            bot:
              prefix: "!fed bot"
              rooms: ["ops", "#ops:example.org", "!"]
              operators: ["@alice:example.org", "bob"]
              max_comand_age: 5m
            notices:
              interval: often
            metrics:
              listen: 9464
            """
        let error = try #require(throws: ConfigError.self) { try ConfigFixture.load(yaml) }
        let expected = [
            "bot.max_comand_age: unknown key, did you mean bot.max_command_age?",
            "\(Self.urlExpected), got " + #""matrix.example.org" (add https://)"#,
            #"bot.prefix: must not contain spaces, got "!fed bot""#,
            #"bot.rooms[0]: \#(Self.roomExpected), got "ops""#,
            #"bot.rooms[2]: \#(Self.roomExpected), got "!""#,
            #"bot.operators[1]: expected a user ID like "@alice:example.org", got "bob""#,
            #"notices.interval: expected a duration like 30s, 10m, 2h or 1d, got "often""#,
            #"metrics.listen: expected host:port like 127.0.0.1:9464 or [::1]:9464, got "9464""#,
        ]
        #expect(error.problems == expected)
        #expect(error.description == expected.joined(separator: "\n"))
        #expect(error.path == ConfigFixture.sourcePath)
    }

    @Test func invalidYAMLNamesTheLine() throws {
        let yaml = "homeserver:\n  url: https://matrix.example.org\nbot:\n  prefix: \"!fed\n  rooms: []\n"
        let problems = ConfigFixture.problems(yaml)
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("invalid YAML at line ") == true)
        #expect(
            ConfigFixture.problems("homeserver:\n\turl: x\n") == [
                "invalid YAML at line 2, column 1: found character that cannot start any token "
                    + "(while scanning for the next token at line 2); indent with spaces, not tabs"
            ])
        #expect(
            ConfigFixture.problems("bot:\n  rooms: [#ops:example.org]\n") == [
                "invalid YAML at line 3, column 1: did not find expected node content (while parsing a flow node "
                    + ##"at line 3); quote values that start with # or !, e.g. "#ops:example.org""##
            ])
    }

    @Test func duplicateKeysAreReported() {
        let yaml = "homeserver:\n  url: https://a.org\n  url: https://b.org\n"
        #expect(ConfigFixture.problems(yaml) == ["invalid YAML near line 2: duplicate key url"])
    }

    @Test func anEmptyEnvironmentVariableCountsAsUnset() throws {
        let problems = ConfigFixture.problems(ConfigFixture.minimal, env: ["FEDBOT_ACCESS_TOKEN": "  "])
        #expect(problems.first?.hasPrefix("homeserver.access_token: missing") == true)
        let loaded = try ConfigFixture.load(
            ConfigFixture.minimal + "\n  access_token: syt_inline", env: ["FEDBOT_ACCESS_TOKEN": ""])
        #expect(loaded.config.homeserver.accessToken.reveal() == "syt_inline")
        #expect(loaded.warnings == ["FEDBOT_ACCESS_TOKEN is set but empty; ignored"])
    }

    @Test func plainHTTPToAnotherMachineIsWarnedAbout() throws {
        let remote = "homeserver:\n  url: http://matrix.example.org:8008\nadmin_api:\n  url: http://10.0.0.5:8008\n"
        #expect(
            try ConfigFixture.load(remote).warnings == [
                "homeserver.url: http:// to matrix.example.org, which is not this machine: the bot's token crosses the "
                    + "network unencrypted; use https:// unless that network is private (a container network)",
                "admin_api.url: http:// to 10.0.0.5, which is not this machine: the bot's token crosses the "
                    + "network unencrypted; use https:// unless that network is private (a container network)",
            ])
        for url in [
            "http://127.0.0.1:8008", "http://localhost:8008", "http://[::1]:8008", "https://matrix.example.org",
        ] {
            #expect(try ConfigFixture.load("homeserver:\n  url: \(url)\n").warnings.isEmpty, "\(url)")
        }
    }
}
