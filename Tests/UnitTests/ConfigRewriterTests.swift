import FedBotModels
import Foundation
import Testing

@testable import FedBotRuntime

/// `fedbot setup --write-config`: the two lists change, every other line stays; the file is replaced
/// atomically with its permissions.
@Suite struct ConfigRewriterTests {
    static let admin = "!admin:example.org"
    static let notices = "!notices"

    static func rewrite(_ yaml: String) throws -> String {
        try Setup.rewritten(yaml, admin: admin, notices: notices)
    }

    /// The lines of `before` missing from `after`, and those added.
    static func diff(_ before: String, _ after: String) -> (removed: [String], added: [String]) {
        let old = before.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let new = after.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return (old.filter { !new.contains($0) }, new.filter { !old.contains($0) })
    }

    @Test func theExampleConfigChangesInTwoLinesOnly() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/fedbot.example.yaml").path
        let example = try String(contentsOfFile: path, encoding: .utf8)
        let result = try Self.rewrite(example)
        let (removed, added) = Self.diff(example, result)
        #expect(
            removed == [
                "  rooms: [\"!abc:example.org\", \"#ops:example.org\"]",
                "  rooms: [\"#federation-alerts:example.org\"]",
            ])
        #expect(added == ["  rooms: [\"!admin:example.org\"]", "  rooms: [\"!notices\"]"])
        #expect(result.split(separator: "\n").count == example.split(separator: "\n").count)
        #expect(ConfigRewriter.list(section: "bot", key: "rooms", in: result) == [Self.admin])
        #expect(ConfigRewriter.list(section: "notices", key: "rooms", in: result) == [Self.notices])
    }

    @Test func blockListsInlineCommentsAndSecretsAreHandled() throws {
        let yaml = """
            homeserver:
              url: "https://matrix.example.org"
              access_token: "syt_c2VjcmV0_secretTokenValue_1234"  # keep me
            bot:
              rooms:   # the admin rooms
                - "!old:example.org"
                # an old room we had
                - "#ops:example.org"
              # who may run everything
              operators:
              - "@alice:example.org"
            notices:
              rooms: ["#alerts:example.org", "#more:example.org"] # where notices go
              interval: 60s
            """
        let result = try Self.rewrite(yaml)
        #expect(
            result == """
                homeserver:
                  url: "https://matrix.example.org"
                  access_token: "syt_c2VjcmV0_secretTokenValue_1234"  # keep me
                bot:
                  rooms: ["!admin:example.org"]  # the admin rooms
                  # who may run everything
                  operators:
                  - "@alice:example.org"
                notices:
                  rooms: ["!notices"]  # where notices go
                  interval: 60s
                """)
        let loaded = try ConfigLoader.parse(
            yaml: result, sourcePath: "/nonexistent/fedbot.yaml", environment: [:])
        #expect(loaded.config.bot.operators.map(\.rawValue) == ["@alice:example.org"])
    }

    @Test func aMissingKeyOrSectionIsAdded() throws {
        let yaml = """
            homeserver:
              url: "https://matrix.example.org"  # the server
            bot:
              prefix: "!fed"
            storage:
              path: "./fedbot.sqlite"

            """
        let result = try Self.rewrite(yaml)
        #expect(
            result == """
                homeserver:
                  url: "https://matrix.example.org"  # the server
                bot:
                  rooms: ["!admin:example.org"]
                  prefix: "!fed"
                storage:
                  path: "./fedbot.sqlite"

                notices:
                  rooms: ["!notices"]

                """)
        let emptySection = try Self.rewrite("homeserver:\n  url: \"https://m.example.org\"\nbot:\nnotices:\n")
        #expect(ConfigRewriter.list(section: "bot", key: "rooms", in: emptySection) == [Self.admin])
        #expect(ConfigRewriter.list(section: "notices", key: "rooms", in: emptySection) == [Self.notices])
    }

    @Test(arguments: [
        "bot: {rooms: [\"!a:example.org\"]}\nnotices:\n  rooms: []\n",
        "bot:\n  rooms: &r [\"!a:example.org\"]\nnotices:\n  rooms: *r\n",
        "bot:\n  \"rooms\": [\"!a:example.org\"]\n",
    ])
    func formsItDoesNotEditAreRefused(_ yaml: String) {
        #expect(throws: ConfigRewriter.Failure.self) { try Self.rewrite(yaml) }
    }

    @Test func runningItAgainChangesNothing() throws {
        let once = try Self.rewrite("bot:\n  rooms: []\nnotices:\n  rooms: []\n")
        #expect(try Self.rewrite(once) == once)
    }

    @Test func inlineComments() {
        #expect(ConfigRewriter.inlineComment(" [\"#ops:example.org\"] # note") == "# note")
        #expect(ConfigRewriter.inlineComment(" [\"#ops:example.org\", '#x #y'] ") == nil)
        #expect(ConfigRewriter.inlineComment(" \"a\\\" # b\"") == nil)
        #expect(ConfigRewriter.inlineComment("   # only") == "# only")
    }

    // MARK: - Replacing the file

    static func temporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "fedbot-rewrite-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func theFileIsReplacedWithItsModeAndThroughALink() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let real = directory + "/real.yaml"
        let link = directory + "/fedbot.yaml"
        try "bot:\n  rooms: []\n".write(toFile: real, atomically: false, encoding: .utf8)
        chmod(real, 0o640)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        try ConfigFiles.replace(link, with: "bot:\n  rooms: [\"!a\"]\n", expected: "bot:\n  rooms: []\n")
        #expect(try String(contentsOfFile: real, encoding: .utf8) == "bot:\n  rooms: [\"!a\"]\n")
        #expect(ConfigFiles.permissions(real) == 0o640)
        let type = try FileManager.default.attributesOfItem(atPath: link)[.type] as? FileAttributeType
        #expect(type == .typeSymbolicLink)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["fedbot.yaml", "real.yaml"])
    }

    @Test func aFileChangedMeanwhileIsLeftAlone() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/fedbot.yaml"
        try "edited by someone\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: ConfigRewriter.Failure.self) {
            try ConfigFiles.replace(path, with: "new\n", expected: "what fedbot read\n")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "edited by someone\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["fedbot.yaml"])
    }
}
