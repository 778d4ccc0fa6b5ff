import FedBotRuntime
import Foundation
import Testing

/// A fresh directory under the system's temporary directory, removed afterwards.
func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("fedbot-config-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try body(directory)
}

/// Writes `text` to `directory/name` with the given permission bits and returns the path.
@discardableResult
func writeFile(_ text: String, named name: String, in directory: String, mode: Int = 0o600) throws -> String {
    let path = directory + "/" + name
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    return path
}

/// Token precedence, token files and keeping secrets out of every rendering.
@Suite struct ConfigTokenTests {
    static let url = "homeserver:\n  url: https://matrix.example.org\n"

    @Test func tokenFileIsReadAndTrimmed() throws {
        try withTemporaryDirectory { directory in
            let path = try writeFile("\n  syt_file_token \n\n", named: "token", in: directory)
            let loaded = try ConfigFixture.load(Self.url + "  access_token_file: \(path)\n", env: [:])
            #expect(loaded.config.homeserver.accessToken.reveal() == "syt_file_token")
            #expect(
                loaded.config.homeserver.accessTokenSource
                    == .file(key: "homeserver.access_token_file", path: path))
            #expect(loaded.warnings.isEmpty)
        }
    }

    @Test func relativeTokenFileResolvesAgainstTheConfigFilesDirectory() throws {
        try withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory + "/secrets", withIntermediateDirectories: true)
            try writeFile("syt_relative\n", named: "secrets/token", in: directory)
            let yaml = Self.url + "  access_token_file: ./secrets/token\n"
            let config = try ConfigFixture.load(yaml, env: [:], cwd: directory).config
            #expect(config.homeserver.accessToken.reveal() == "syt_relative")
        }
    }

    @Test func environmentWinsOverTheKeyAndTheFile() throws {
        let inline = try ConfigFixture.load(Self.url + "  access_token: syt_inline\n")
        #expect(inline.config.homeserver.accessToken.reveal() == ConfigFixture.envToken)
        #expect(inline.config.homeserver.accessTokenSource == .environment(variable: "FEDBOT_ACCESS_TOKEN"))
        // The file is not read at all when the environment provides the token.
        let file = try ConfigFixture.load(Self.url + "  access_token_file: /nonexistent/token\n")
        #expect(file.config.homeserver.accessToken.reveal() == ConfigFixture.envToken)
        // The environment variable is trimmed like a file.
        let padded = try ConfigFixture.load(Self.url, env: ["FEDBOT_ACCESS_TOKEN": " syt_padded\n"])
        #expect(padded.config.homeserver.accessToken.reveal() == "syt_padded")
    }

    @Test func settingBothKeyAndFileIsAnError() {
        let yaml = Self.url + "  access_token: syt_inline\n  access_token_file: /run/token\n"
        let problem =
            "homeserver.access_token_file: set either homeserver.access_token or homeserver.access_token_file, not both"
        #expect(ConfigFixture.problems(yaml, env: [:]) == [problem])
        // Also when the environment would win: the file is still contradictory.
        #expect(ConfigFixture.problems(yaml) == [problem])
    }

    @Test func unusableTokenFilesAreErrorsNamingKeyAndPath() throws {
        try withTemporaryDirectory { directory in
            let empty = try writeFile(" \n\n", named: "empty", in: directory)
            let twoLines = try writeFile("syt_one\nsyt_two\n", named: "two", in: directory)
            let cases: [(String, String)] = [
                (
                    directory + "/missing",
                    "homeserver.access_token_file: cannot read \(directory)/missing: no such file"
                ),
                (directory, "homeserver.access_token_file: cannot read \(directory): it is a directory"),
                (empty, "homeserver.access_token_file: \(empty) is empty"),
                (
                    twoLines,
                    "homeserver.access_token_file: \(twoLines) holds more than one word or line; "
                        + "it must contain just the token"
                ),
            ]
            for (path, problem) in cases {
                let problems = ConfigFixture.problems(Self.url + "  access_token_file: \"\(path)\"\n", env: [:])
                #expect(problems == [problem])
                #expect(!problems.joined().contains("syt_"))
            }
        }
    }

    @Test func tokenFileReadableByOthersGivesAWarning() throws {
        try withTemporaryDirectory { directory in
            let path = try writeFile("syt_shared\n", named: "token", in: directory, mode: 0o644)
            let loaded = try ConfigFixture.load(Self.url + "  access_token_file: \(path)\n", env: [:])
            #expect(
                loaded.warnings == [
                    "homeserver.access_token_file: \(path) can be read by other users (mode 0644); "
                        + "run chmod 600 \(path)"
                ])
            try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
            #expect(try ConfigFixture.load(Self.url + "  access_token_file: \(path)\n", env: [:]).warnings.count == 1)
            try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: path)
            #expect(try ConfigFixture.load(Self.url + "  access_token_file: \(path)\n", env: [:]).warnings.isEmpty)
        }
    }

    @Test func inlineTokenInAWorldReadableConfigGivesAWarning() throws {
        try withTemporaryDirectory { directory in
            let path = try writeFile(
                Self.url + "  access_token: syt_inline\n", named: "fedbot.yaml", in: directory, mode: 0o644)
            let loaded = try ConfigLoader.load(explicitPath: path, environment: [:], currentDirectory: directory)
            #expect(
                loaded.warnings == [
                    "homeserver.access_token: the token is written in \(path), which other users can read (mode 0644); "
                        + "run chmod 600 \(path), or use homeserver.access_token_file or FEDBOT_ACCESS_TOKEN"
                ])
            #expect(!loaded.warnings.joined().contains("syt_inline"))
        }
    }

    @Test func adminTokenDefaultsToTheHomeserverTokenAndHasItsOwnPrecedence() throws {
        let inherited = try ConfigFixture.load(Self.url + "admin_api:\n  url: https://admin.example.org/\n")
        #expect(inherited.config.adminAPI.url == "https://admin.example.org")
        #expect(inherited.config.adminAPI.accessToken.reveal() == ConfigFixture.envToken)
        #expect(inherited.config.adminAPI.accessTokenSource == .homeserverToken)

        let own = try ConfigFixture.load(Self.url + "admin_api:\n  access_token: syt_admin\n")
        #expect(own.config.adminAPI.accessToken.reveal() == "syt_admin")
        #expect(own.config.adminAPI.accessTokenSource == .configKey("admin_api.access_token"))

        let env = ConfigFixture.env.merging(["FEDBOT_ADMIN_TOKEN": "syt_admin_env"]) { $1 }
        let fromEnv = try ConfigFixture.load(Self.url + "admin_api:\n  access_token: syt_admin\n", env: env)
        #expect(fromEnv.config.adminAPI.accessToken.reveal() == "syt_admin_env")
        #expect(fromEnv.config.homeserver.accessToken.reveal() == ConfigFixture.envToken)

        let both = Self.url + "admin_api:\n  access_token: a\n  access_token_file: /x\n"
        #expect(
            ConfigFixture.problems(both) == [
                "admin_api.access_token_file: set either admin_api.access_token or "
                    + "admin_api.access_token_file, not both"
            ])
    }

    // MARK: - Secrets stay secret

    @Test func secretPrintsRedactedEverywhere() {
        let secret = Secret("syt_very_secret")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(secret.description == "<redacted>")
        #expect(secret.debugDescription == "<redacted>")
        #expect(String(describing: secret) == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        #expect("\(secret)" == "<redacted>")
        #expect(!dumped.contains("syt_"))
        #expect(Mirror(reflecting: secret).children.isEmpty)
        #expect(!((secret as Any) is any Encodable))
        #expect(secret.reveal() == "syt_very_secret")
    }

    @Test func configRenderingsNeverShowTokens() throws {
        let yaml = Self.url + "  access_token: syt_hs_secret\nadmin_api:\n  access_token: syt_admin_secret\n"
        let loaded = try ConfigFixture.load(yaml, env: [:])
        var dumped = ""
        dump(loaded, to: &dumped)
        for rendering in [dumped, String(describing: loaded), String(reflecting: loaded), "\(loaded.config)"] {
            #expect(!rendering.contains("secret"))
            #expect(rendering.contains("<redacted>"))
        }
    }

    static let leakyConfigs: [String] = [
        url + "  access_token: [\"syt_secret_in_a_list\"]\n",
        url + "  access_token: {value: syt_secret_in_a_map}\n",
        url + "  access_token: !syt_secret_as_a_tag\n",
        url + "  access_token: \"syt_secret with_space\"\n",
        "homeserver:\n  url: syt_secret_pasted_in_the_url_key\n",
        "homeserver:\n  url: https://matrix.example.org\n  access_token: \"syt_secret_unterminated\n",
        "homeserver:\n  url: https://matrix.example.org\n  access_token: syt_secret: colon\n",
        url + "  access_token: syt_secret_twice\n  access_token: syt_secret_twice\n",
        url + "  access_tokn: syt_secret_under_a_typo\n",
        url + "  syt_secret_as_a_key_name_abcdefghijkl: 1\n",
        "homeserver: syt_secret_instead_of_a_section\n",
        "bot:\n  rooms: syt_secret_in_a_list_key_abcdefghijk\n" + url,
        "bot:\n  min_power_level: syt_secret_in_an_int_key\n" + url,
        "bot:\n  max_command_age: syt_secret_in_a_duration\n" + url,
    ]

    @Test(arguments: Self.leakyConfigs)
    func errorMessagesNeverShowSecrets(yaml: String) throws {
        let error = try #require(throws: ConfigError.self) { try ConfigFixture.load(yaml, env: [:]) }
        #expect(!error.description.contains("secret"), "\(error.description)")
        #expect(!String(reflecting: error).contains("secret"))
        #expect(!error.problems.isEmpty)
    }

    @Test func tokenWithTheWrongTypeJustSaysSo() {
        #expect(
            ConfigFixture.problems(Self.url + "  access_token: [\"syt_x\"]\n")
                == ["homeserver.access_token: expected a string, got a list"])
        #expect(
            ConfigFixture.problems(Self.url + "  access_token: \"syt_a b\"\n", env: [:])
                == ["homeserver.access_token: must be a single token without spaces or line breaks"])
        #expect(
            ConfigFixture.problems(Self.url + "  access_token: \"\"\n", env: [:])
                == [
                    "homeserver.access_token: is empty: set the token here, in homeserver.access_token_file "
                        + "or in FEDBOT_ACCESS_TOKEN"
                ])
    }
}
