import FedBotCore
import FedBotModels
import FedBotRuntime
import Foundation
import Logging
import MatrixClient
import SynapseAdmin
import Synchronization
import Testing

/// `fedbot fed …` as a shell sees it: what is printed and the exit status. Nothing here reaches a network:
/// help needs no config, and the watcher commands only read or write the state file.
@Suite struct OneShotTests {
    final class Printed: Sendable {
        let out = Mutex<[String]>([])
        let err = Mutex<[String]>([])
        var output: String { out.withLock { $0.joined(separator: "\n") } }
        var errors: [String] { err.withLock { $0 } }
    }

    /// A directory of its own per test, removed at the end.
    struct Scratch: ~Copyable {
        let path: String
        init() throws {
            path = NSTemporaryDirectory() + "fedbot-oneshot-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        /// A config with notice rooms and `storage.path: ./state/fedbot.sqlite` (relative to `path`).
        func writeConfig() throws -> String {
            let config = path + "/fedbot.yaml"
            let yaml = """
                homeserver:
                  url: "https://matrix.invalid"
                  access_token: "syt_dGVzdA_oneShotToken_0Abc"
                notices:
                  rooms: ["!notices:example.org"]
                storage:
                  path: "./state/fedbot.sqlite"
                """
            try yaml.write(toFile: config, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: config)
            return config
        }
        var statePath: String { path + "/state/fedbot.sqlite" }
    }

    static let usage = "OVERVIEW: Run one !fed command and print the answer."
    static let context = RenderContext(prefix: "!fed", now: Timestamp(milliseconds: 0))

    func fed(_ words: [String], config: String? = nil, in directory: String) async -> (OneShot.ExitStatus, Printed) {
        let printed = Printed()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let status = await OneShot.fed(
            words: words, explicitConfig: config, environment: [:], currentDirectory: directory, logger: logger,
            print: { line in printed.out.withLock { $0.append(line) } },
            printError: { line in printed.err.withLock { $0.append(line) } }, usage: Self.usage)
        return (status, printed)
    }

    // MARK: Help without a config

    @Test(arguments: [["--help"], ["-h"], []])
    func fedHelpNeedsNoConfig(_ words: [String]) async throws {
        let scratch = try Scratch()
        let (status, printed) = await fed(words, in: scratch.path)
        #expect(status == .success)
        #expect(printed.errors.isEmpty)
        let commands = HelpReply(topic: nil).render(Self.context).plain
        #expect(printed.output == (words.isEmpty ? commands : Self.usage + "\n\n" + commands))
        #expect(printed.output.contains("• !fed incidents — "))
    }

    @Test(arguments: [["list", "--help"], ["list", "-h"], ["LIST", "failing", "--help"], ["help", "list"]])
    func commandHelpNeedsNoConfig(_ words: [String]) async throws {
        let scratch = try Scratch()
        let (status, printed) = await fed(words, in: scratch.path)
        #expect(status == .success)
        #expect(printed.errors.isEmpty)
        #expect(printed.output == HelpReply(topic: .list).render(Self.context).plain)
        #expect(printed.output.hasPrefix("!fed list [failing|healthy|all] [TEXT]"))
    }

    @Test func helpListsTheCommandsWithoutAConfig() async throws {
        let scratch = try Scratch()
        let (status, printed) = await fed(["help"], in: scratch.path)
        #expect(status == .success)
        #expect(printed.output == HelpReply(topic: nil).render(Self.context).plain)
    }

    @Test func helpOfAnUnknownCommandIsAUsageError() async throws {
        let scratch = try Scratch()
        let (status, printed) = await fed(["help", "lst"], in: scratch.path)
        #expect(status == .usageError)
        #expect(printed.output == "⚠️ I don't know \"lst\". Did you mean !fed list? (!fed help lists all)")
    }

    // MARK: The state file

    static let noStateFile = "has fedbot run started with this config?"

    @Test(arguments: [["incidents"], ["mute", "example.org"], ["unmute", "example.org"]])
    func withoutTheStateFileTheWatcherCommandsSaySo(_ words: [String]) async throws {
        let scratch = try Scratch()
        let config = try scratch.writeConfig()
        let (status, printed) = await fed(words, config: config, in: scratch.path)
        #expect(status == .usageError)
        #expect(printed.output == "ℹ️ No state file at \(scratch.statePath): \(Self.noStateFile)")
        #expect(!FileManager.default.fileExists(atPath: scratch.statePath))
    }

    @Test func withTheStateFileMuteAndIncidentsUseIt() async throws {
        let scratch = try Scratch()
        let config = try scratch.writeConfig()
        let store = try BotStore(path: scratch.statePath)
        let (muted, mutePrinted) = await fed(["mute", "example.org", "2h"], config: config, in: scratch.path)
        #expect(muted == .success)
        #expect(mutePrinted.output.hasPrefix("🔕 Muted example.org until "))
        #expect(try await store.activeMutes(now: Timestamp.now().milliseconds).keys.contains("example.org"))
        let (listed, incidents) = await fed(["incidents"], config: config, in: scratch.path)
        #expect(listed == .success)
        #expect(incidents.output == "No open incidents. 🎉")
        // `./state/fedbot.sqlite` is beside the config file: started in another directory, the same file.
        let (elsewhere, other) = await fed(["incidents"], config: config, in: "/nonexistent-fedbot-dir")
        #expect(elsewhere == .success)
        #expect(other.output == "No open incidents. 🎉")
        let (unmuted, unmutePrinted) = await fed(["unmute", "example.org"], config: config, in: scratch.path)
        #expect(unmuted == .success)
        #expect(unmutePrinted.output == "🔔 example.org is no longer muted.")
    }

    @Test func statusWithoutTheStateFileSaysSoInsteadOfNoticesOff() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let transport = HomeserverConnectionTests.ScriptedTransport([.fail(.connectionRefused)])
        let connection = HomeserverConnection(
            baseURL: "https://hs.example/", accessToken: "secret-token", transport: transport, logger: logger)
        let executor = CommandExecutor(
            admin: SynapseAdminClient(connection: connection), matrix: nil, prefix: "!fed",
            watcher: MissingStateFile(path: "/srv/fedbot/fedbot.sqlite"), logger: logger)
        let plain = await executor.run(.status).reply.plain
        #expect(plain.contains("\n• Watcher: no state file at /srv/fedbot/fedbot.sqlite: \(Self.noStateFile)"))
        #expect(!plain.contains("notices.rooms"))
        let help = await executor.run(.help(topic: nil)).reply.plain
        #expect(help.contains("• !fed incidents — "))
    }
}
