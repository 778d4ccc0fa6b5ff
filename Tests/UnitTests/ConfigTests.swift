import FedBotCore
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import Testing

/// Helpers shared by the config tests: YAML is parsed as if read from a file that does not exist,
/// so permission checks stay quiet unless a test writes a real file. `cwd` is the directory that file is
/// in (relative paths in it resolve there).
enum ConfigFixture {
    static let cwd = "/srv/fedbot"
    static let sourcePath = cwd + "/fedbot.yaml"
    static let envToken = "syt_ZW52_envTokenValue_0Xyz"
    static let env = ["FEDBOT_ACCESS_TOKEN": envToken]
    static let minimal = """
        homeserver:
          url: "https://matrix.example.org"
        """

    static func load(
        _ yaml: String, env: [String: String] = env, cwd: String = cwd
    ) throws(ConfigError) -> LoadedConfig {
        try ConfigLoader.parse(yaml: yaml, sourcePath: cwd + "/fedbot.yaml", environment: env)
    }

    /// The problems of a config that must fail (records an issue when it loads).
    static func problems(
        _ yaml: String, env: [String: String] = env, cwd: String = cwd,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> [String] {
        do {
            _ = try load(yaml, env: env, cwd: cwd)
            Issue.record("expected a ConfigError", sourceLocation: sourceLocation)
            return []
        } catch {
            return error.problems
        }
    }
}

@Suite struct ConfigTests {
    @Test func minimalConfigGetsEveryDefault() throws {
        let loaded = try ConfigFixture.load(ConfigFixture.minimal)
        let config = loaded.config
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.sourcePath == ConfigFixture.sourcePath)
        #expect(config.homeserver.url == "https://matrix.example.org")
        #expect(config.homeserver.accessToken.reveal() == ConfigFixture.envToken)
        #expect(config.homeserver.accessTokenSource == .environment(variable: "FEDBOT_ACCESS_TOKEN"))
        #expect(config.adminAPI.url == "https://matrix.example.org")
        #expect(config.adminAPI.accessToken.reveal() == ConfigFixture.envToken)
        #expect(config.adminAPI.accessTokenSource == .homeserverToken)
        #expect(config.bot.prefix == "!fed")
        #expect(config.bot.rooms.isEmpty)
        #expect(config.bot.operators.isEmpty)
        #expect(config.bot.minPowerLevel == 50)
        #expect(config.bot.maxCommandAge == .seconds(600))
        #expect(config.notices.rooms.isEmpty)
        #expect(config.notices.interval == .seconds(60))
        #expect(config.notices.minFailing == .zero)
        #expect(config.notices.ignore.isEmpty)
        #expect(config.notices.remindEvery == .zero)
        #expect(config.storage.path == "/srv/fedbot/fedbot.sqlite")
        #expect(config.storage.retention == .seconds(7 * 86_400))
        #expect(config.metrics.listen == nil)
        #expect(config.probes == FedBotConfig.Probes())
        #expect(config.probes.interval == .seconds(300))
        #expect(config.probes.failures == 3)
        #expect(config.probes.stuckAfter == .seconds(1800))
        #expect(!config.probes.autoReset)
        #expect(!config.probes.isEnabled)
    }

    @Test("storage.retention: any duration from bot.max_command_age + 1h up")
    func retention() throws {
        let yaml = ConfigFixture.minimal + "\nstorage:\n  retention: 30d\n"
        #expect(try ConfigFixture.load(yaml).config.storage.retention == .seconds(30 * 86_400))
        let shortest = ConfigFixture.minimal + "\nbot:\n  max_command_age: 5m\nstorage:\n  retention: 1h5m\n"
        #expect(try ConfigFixture.load(shortest).config.storage.retention == .seconds(3900))
        let huge = ConfigFixture.minimal + "\nstorage:\n  retention: 100000w\n"
        #expect(try ConfigFixture.load(huge).config.storage.retention == .seconds(100_000 * 7 * 86_400))
    }

    @Test func programmaticConfigHasTheSameDefaults() throws {
        let loaded = try ConfigFixture.load(ConfigFixture.minimal)
        var built = FedBotConfig(
            homeserver: .init(
                url: "https://matrix.example.org", accessToken: Secret(ConfigFixture.envToken),
                accessTokenSource: .environment(variable: "FEDBOT_ACCESS_TOKEN")))
        built.storage.path = "/srv/fedbot/fedbot.sqlite"
        #expect(built == loaded.config)
    }

    @Test func designExampleIsReadIntoTypedValues() throws {
        let yaml = """
            homeserver:
              url: "https://matrix.example.org/"
              access_token: "syt_inline_token"
            admin_api:
              url: "http://localhost:8008//"
              access_token: "syt_admin_token"
            bot:
              prefix: "!ops"
              rooms: ["!abc:example.org", "#ops:example.org"]
              operators: ["@alice:example.org", "@bob:example.net"]
              min_power_level: 100
              max_command_age: 1h30m
            notices:
              rooms: ["#federation-alerts:example.org"]
              interval: 30s
              min_failing: 5m
              ignore: ["dead.example.com", "*.Test.example.net"]
              remind_every: 1d
            storage:
              path: "/var/lib/fedbot/state.sqlite"
              retention: 2w
            metrics:
              listen: "[::1]:9464"
            """
        let config = try ConfigFixture.load(yaml, env: [:]).config
        #expect(config.homeserver.url == "https://matrix.example.org")
        #expect(config.homeserver.accessToken.reveal() == "syt_inline_token")
        #expect(config.homeserver.accessTokenSource == .configKey("homeserver.access_token"))
        #expect(config.adminAPI.url == "http://localhost:8008")
        #expect(config.adminAPI.accessToken.reveal() == "syt_admin_token")
        #expect(config.bot.prefix == "!ops")
        #expect(config.bot.rooms.map(\.rawValue) == ["!abc:example.org", "#ops:example.org"])
        #expect(config.bot.rooms.first.map { if case .id = $0 { true } else { false } } == true)
        #expect(config.bot.operators.map(\.rawValue) == ["@alice:example.org", "@bob:example.net"])
        #expect(config.bot.minPowerLevel == 100)
        #expect(config.bot.maxCommandAge == .seconds(5400))
        #expect(config.notices.rooms.map(\.rawValue) == ["#federation-alerts:example.org"])
        #expect(config.notices.interval == .seconds(30))
        #expect(config.notices.minFailing == .seconds(300))
        #expect(config.notices.ignore.map(\.pattern) == ["dead.example.com", "*.Test.example.net"])
        #expect(config.notices.ignores(try #require(ServerName("a.test.example.net"))))
        #expect(!config.notices.ignores(try #require(ServerName("example.net"))))
        #expect(config.notices.remindEvery == .seconds(86_400))
        #expect(config.storage.path == "/var/lib/fedbot/state.sqlite")
        #expect(config.storage.retention == .seconds(14 * 86_400))
        #expect(config.metrics.listen == ListenAddress(host: "::1", port: 9464))
        #expect(config.metrics.listen?.description == "[::1]:9464")
    }

    @Test func emptyValuesAndSectionsMeanDefaults() throws {
        let yaml = """
            homeserver:
              url: https://matrix.example.org
            admin_api:
            bot:
              prefix:
              rooms:
              max_command_age: ~
            notices: {}
            metrics:
              listen: null
            """
        let config = try ConfigFixture.load(yaml).config
        #expect(config.bot.prefix == "!fed")
        #expect(config.bot.rooms.isEmpty)
        #expect(config.bot.maxCommandAge == .seconds(600))
        #expect(config.metrics.listen == nil)
    }

    @Test func relativeStoragePathResolvesAgainstTheConfigFilesDirectory() throws {
        let yaml = ConfigFixture.minimal + "\nstorage:\n  path: data/../state/./bot.sqlite\n"
        #expect(try ConfigFixture.load(yaml).config.storage.path == "/srv/fedbot/data/../state/bot.sqlite")
    }

    @Test("storage.path, relative or left out, is beside the config file whatever the working directory")
    func storagePathIgnoresTheWorkingDirectory() throws {
        try withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory + "/etc", withIntermediateDirectories: true)
            try writeFile(
                ConfigFixture.minimal + "\nstorage:\n  path: state/bot.sqlite\n", named: "etc/a.yaml", in: directory)
            try writeFile(ConfigFixture.minimal, named: "etc/b.yaml", in: directory)
            for cwd in ["/", directory, directory + "/etc"] {
                let relative = try ConfigLoader.load(
                    explicitPath: directory + "/etc/a.yaml", environment: ConfigFixture.env, currentDirectory: cwd)
                #expect(relative.config.storage.path == directory + "/etc/state/bot.sqlite", "cwd \(cwd)")
                let unset = try ConfigLoader.load(
                    explicitPath: directory + "/etc/b.yaml", environment: ConfigFixture.env, currentDirectory: cwd)
                #expect(unset.config.storage.path == directory + "/etc/fedbot.sqlite", "cwd \(cwd)")
            }
            // The config file itself is still found from the working directory.
            let found = try ConfigLoader.load(
                explicitPath: "etc/a.yaml", environment: ConfigFixture.env, currentDirectory: directory)
            #expect(found.config.storage.path == directory + "/etc/state/bot.sqlite")
        }
    }

    @Test func quotedOrNumericScalarsAreAccepted() throws {
        let yaml = ConfigFixture.minimal + "\nbot:\n  min_power_level: \"75\"\n  max_command_age: \"90s\"\n"
        let config = try ConfigFixture.load(yaml).config
        #expect(config.bot.minPowerLevel == 75)
        #expect(config.bot.maxCommandAge == .seconds(90))
        #expect(
            try ConfigFixture.load(ConfigFixture.minimal + "\nnotices:\n  min_failing: 0\n").config.notices.minFailing
                == .zero)
    }

    @Test func repeatedListItemsAreDroppedWithAWarning() throws {
        let yaml = ConfigFixture.minimal + "\nbot:\n  rooms: [\"#ops:example.org\", \"#ops:example.org\"]\n"
        let loaded = try ConfigFixture.load(yaml)
        #expect(loaded.config.bot.rooms.map(\.rawValue) == ["#ops:example.org"])
        #expect(loaded.warnings == [##"bot.rooms: "#ops:example.org" is listed more than once"##])
    }

    @Test func remindersFasterThanPollsGetAWarning() throws {
        let yaml = ConfigFixture.minimal + "\nnotices:\n  interval: 2m\n  remind_every: 30s\n"
        #expect(
            try ConfigFixture.load(yaml).warnings == [
                "notices.remind_every: 30s is shorter than notices.interval (2m): reminders come at most once per poll"
            ])
    }

    @Test func redactedYAMLShowsEffectiveValuesAndLoadsBack() throws {
        let yaml = """
            homeserver:
              url: https://matrix.example.org/
              access_token: syt_inline_secret
            bot:
              rooms: ["!abc:example.org", "#ops:example.org"]
              operators: ["@alice:example.org"]
              max_command_age: 90m
            notices:
              ignore: ["*.example.com"]
              remind_every: 1d
            metrics:
              listen: "[::1]:9464"
            diagnostics:
              resolver: "127.0.0.1:5353"
              timeout: 2s
              on_notices: false
              allow_ranges: ["10.0.0.0/8", "fd00::/8"]
            """
        let config = try ConfigFixture.load(yaml, env: [:]).config
        #expect(config.diagnostics.resolver == "127.0.0.1:5353" && config.diagnostics.timeout == .seconds(2))
        #expect(
            !config.diagnostics.onNotices
                && config.diagnostics.allowRanges.map(\.description) == ["10.0.0.0/8", "fd00::/8"])
        #expect(FedBotConfig.Diagnostics() == FedBotConfig.Diagnostics(timeout: .seconds(5), onNotices: true))
        let echo = config.redactedYAML
        #expect(!echo.contains("secret"))
        #expect(echo.contains("  # access_token: <redacted> (homeserver.access_token in the config file)\n"))
        #expect(echo.contains("  max_command_age: 1h30m\n"))
        #expect(echo.contains("  interval: 1m\n"))
        #expect(echo.contains("  listen: \"[::1]:9464\"\n"))
        #expect(echo.contains("  path: \"/srv/fedbot/fedbot.sqlite\"\n"))
        #expect(echo.contains("  retention: 1w\n"))
        let reloaded = try ConfigFixture.load(echo, env: ["FEDBOT_ACCESS_TOKEN": "syt_inline_secret"]).config
        #expect(reloaded.bot == config.bot)
        #expect(reloaded.notices == config.notices)
        #expect(reloaded.storage == config.storage)
        #expect(reloaded.metrics == config.metrics)
        #expect(reloaded.diagnostics == config.diagnostics)
        #expect(reloaded.homeserver.url == config.homeserver.url)
        #expect(reloaded.homeserver.accessToken == config.homeserver.accessToken)
    }

    // MARK: - Which file

    @Test func configPathPrecedence() {
        let env = ["FEDBOT_CONFIG": "/etc/fedbot/env.yaml"]
        let option = ConfigLoader.configPath(explicitPath: "my.yaml", environment: env, currentDirectory: "/srv")
        #expect(option.path == "/srv/my.yaml")
        #expect(option.source == .option)
        let fromEnv = ConfigLoader.configPath(explicitPath: nil, environment: env, currentDirectory: "/srv")
        #expect(fromEnv.path == "/etc/fedbot/env.yaml")
        #expect(fromEnv.source == .environment)
        let relativeEnv = ConfigLoader.configPath(
            explicitPath: nil, environment: ["FEDBOT_CONFIG": "conf/x.yaml"], currentDirectory: "/srv")
        #expect(relativeEnv.path == "/srv/conf/x.yaml")
        let fallback = ConfigLoader.configPath(
            explicitPath: nil, environment: ["FEDBOT_CONFIG": ""], currentDirectory: "/srv/")
        #expect(fallback.path == "/srv/config/fedbot.yaml")
        #expect(fallback.source == .defaultPath)
    }

    @Test func missingConfigFileSaysHowToChooseOne() throws {
        try withTemporaryDirectory { directory in
            let error = try #require(throws: ConfigError.self) {
                try ConfigLoader.load(explicitPath: nil, environment: [:], currentDirectory: directory)
            }
            #expect(
                error.problems == [
                    "cannot read config file \(directory)/config/fedbot.yaml: no such file (the default path: "
                        + "pass --config PATH or set FEDBOT_CONFIG; config/fedbot.example.yaml is a starting point)"
                ])
            let fromEnv = try #require(throws: ConfigError.self) {
                try ConfigLoader.load(
                    explicitPath: nil, environment: ["FEDBOT_CONFIG": "nope.yaml"], currentDirectory: directory)
            }
            #expect(
                fromEnv.problems == [
                    "cannot read config file \(directory)/nope.yaml: no such file (from FEDBOT_CONFIG)"
                ])
            let fromOption = try #require(throws: ConfigError.self) {
                try ConfigLoader.load(explicitPath: directory, environment: [:], currentDirectory: "/")
            }
            #expect(fromOption.problems == ["cannot read config file \(directory): it is a directory"])
        }
    }

    @Test func loadsTheFileNamedByTheEnvironment() throws {
        try withTemporaryDirectory { directory in
            try writeFile(ConfigFixture.minimal, named: "env.yaml", in: directory)
            let env = ConfigFixture.env.merging(["FEDBOT_CONFIG": "env.yaml"]) { $1 }
            let loaded = try ConfigLoader.load(explicitPath: nil, environment: env, currentDirectory: directory)
            #expect(loaded.sourcePath == directory + "/env.yaml")
            #expect(loaded.pathSource == .environment)
            #expect(loaded.config.storage.path == directory + "/fedbot.sqlite")
        }
    }

    // MARK: - Example config

    static let examplePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/fedbot.example.yaml").path

    @Test func exampleConfigLoadsWithTheTokenFromTheEnvironment() throws {
        let loaded = try ConfigLoader.load(
            explicitPath: Self.examplePath, environment: ConfigFixture.env, currentDirectory: "/")
        #expect(loaded.pathSource == .option)
        #expect(loaded.config.homeserver.url == "https://matrix.example.org")
        #expect(loaded.config.bot.prefix == FedBotConfig.Bot.defaultPrefix)
        #expect(loaded.config.bot.minPowerLevel == FedBotConfig.Bot.defaultMinPowerLevel)
        #expect(loaded.config.bot.maxCommandAge == FedBotConfig.Bot.defaultMaxCommandAge)
        #expect(loaded.config.notices.interval == FedBotConfig.Notices.defaultInterval)
        #expect(
            loaded.config.storage.path == URL(fileURLWithPath: Self.examplePath).deletingLastPathComponent().path
                + "/fedbot.sqlite")
    }

    @Test func exampleConfigWithoutATokenSaysWhereToPutOne() {
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader.load(explicitPath: Self.examplePath, environment: [:], currentDirectory: "/")
        }
        #expect(
            error?.problems == [
                "homeserver.access_token: missing: set FEDBOT_ACCESS_TOKEN, homeserver.access_token or "
                    + "homeserver.access_token_file"
            ])
        #expect(error?.path == Self.examplePath)
    }

    @Test(arguments: [
        "homeserver.url", "homeserver.access_token", "homeserver.access_token_file", "admin_api.url",
        "admin_api.access_token", "admin_api.access_token_file", "bot.prefix", "bot.rooms", "bot.operators",
        "bot.min_power_level", "bot.max_command_age", "notices.rooms", "notices.interval", "notices.min_failing",
        "notices.ignore", "notices.remind_every", "storage.path", "storage.retention", "metrics.listen",
        "diagnostics.resolver", "diagnostics.ca_file", "diagnostics.timeout", "diagnostics.on_notices",
        "diagnostics.allow_ranges",
        "probes.servers", "probes.top_shared", "probes.interval", "probes.failures", "probes.stuck_after",
        "probes.auto_reset",
    ])
    func exampleConfigDocumentsEveryKey(keyPath: String) throws {
        let text = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
        let parts = keyPath.split(separator: ".")
        let section = try #require(text.range(of: "\n\(parts[0]):\n"))
        let sectionText = String(text[section.upperBound...]).components(separatedBy: "\n\n")[0]
        #expect(sectionText.contains("\(parts[1]):"), "\(keyPath) is not in the example")
    }
}
