import FedBotCore
import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import Logging
import MatrixClient
import ServiceLifecycle

/// A bot account (the lab's `admin`), an admin room created by alice (an operator) with mallory in it
/// (power level 0), and a config for `fedbot run` in a temporary directory.
struct BotHarness: Sendable {
    let lab: Lab
    let directory: String
    let adminRoom: String
    /// A room for notices (in the config only with `noticeInterval`).
    let noticeRoom: String
    let noticeInterval: String?
    /// More `notices:` lines, each indented by two spaces.
    let noticeOptions: String
    let alice: MatrixUser
    let mallory: MatrixUser
    let botUser: String

    /// Creates the admin room and the config. `yaml` is appended to the config (bot.*, notices.*).
    static func make(
        lab: Lab, configExtra: String = "", operators: [String]? = nil, noticeInterval: String? = nil,
        noticeOptions: String = ""
    ) async throws -> BotHarness {
        let users = lab.info.users
        let alice = MatrixUser(lab: lab, user: users.alice)
        let mallory = MatrixUser(lab: lab, user: users.mallory)
        let room = try await alice.createRoom(
            name: "ops", invite: [users.admin.userID, users.mallory.userID])
        try await mallory.join(room)
        let noticeRoom = try await alice.createRoom(name: "alerts", invite: [users.admin.userID])
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("fedbot-bot-\(UUID().uuidString.prefix(8).lowercased())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let harness = BotHarness(
            lab: lab, directory: directory, adminRoom: room, noticeRoom: noticeRoom, noticeInterval: noticeInterval,
            noticeOptions: noticeOptions,
            alice: alice, mallory: mallory, botUser: users.admin.userID)
        try harness.writeConfig(extra: configExtra, operators: operators ?? [users.alice.userID])
        return harness
    }

    var configPath: String { directory + "/fedbot.yaml" }
    var storePath: String { directory + "/state.sqlite" }

    /// Checks (`diagnostics.on_notices`, `show`'s contact) ask a DNS server on loopback where nothing
    /// listens, so that a synthetic destination's name never leaves the machine; IP literals need none.
    static let loopbackDiagnostics = """
        diagnostics:
          resolver: "127.0.0.1:9"
          timeout: 1s
        """

    func writeConfig(extra: String = "", operators: [String], token: String? = nil, moreRooms: [String] = []) throws {
        let tokenPath = directory + "/token"
        try Data((token ?? lab.info.users.admin.accessToken).utf8).write(to: URL(fileURLWithPath: tokenPath))
        chmod(tokenPath, 0o600)
        let yaml = """
            homeserver:
              url: "\(lab.info.a.clientURL)"
              access_token_file: "\(tokenPath)"
            bot:
              rooms: [\(([adminRoom] + moreRooms).map { "\"\($0)\"" }.joined(separator: ", "))]
              operators: [\(operators.map { "\"\($0)\"" }.joined(separator: ", "))]
            storage:
              path: "\(storePath)"
            \(noticeInterval.map { "notices:\n  rooms: [\"\(noticeRoom)\"]\n  interval: \($0)\n" + noticeOptions } ?? "")
            \(extra)
            \(extra.contains("diagnostics:") ? "" : Self.loopbackDiagnostics)
            """
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: configPath))
        chmod(configPath, 0o600)
    }

    func loadConfig() throws -> FedBotConfig {
        try ConfigLoader.load(explicitPath: configPath, environment: [:], currentDirectory: directory).config
    }

    /// Waits (bounded) until the bot finished its first sync: commands sent after that are answered.
    func waitUntilReady(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if FileManager.default.fileExists(atPath: storePath),
                let store = try? BotStore(path: storePath),
                (try? await store.value(BotStore.Key.nextBatch)) ?? nil != nil
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("the bot did not finish its first sync within \(timeout)")
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: In-process bot

    /// Runs the bot's services in this process over `transport` (to count what it calls).
    func startInProcess(transport: any HTTPTransport = AsyncHTTPClientTransport()) async throws -> RunningBot {
        let bot = try RunningBot.start(config: loadConfig(), logger: quietLogger("bot"), transport: transport)
        do {
            try await waitUntilReady()
        } catch {
            await bot.stop()
            throw error
        }
        return bot
    }

    // MARK: Subprocess bot

    /// Starts `fedbot run` as a child process.
    func spawn(environment extra: [String: String] = [:]) throws -> BotProcess {
        try BotProcess(arguments: ["run", "--config", configPath], environment: extra, directory: directory)
    }
}

/// Warnings and errors only: tests read clean.
func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `fedbot` as a child process, with its output collected.
final class BotProcess: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var collected = Data()

    /// The built `fedbot` next to the test bundle (swift build --build-tests builds it).
    static var executable: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("fedbot")
                .path,
            Lab.repositoryRoot + "/.build/debug/fedbot",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    init(arguments: [String], environment: [String: String], directory: String) throws {
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = output
        process.standardError = output
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.collected.append(data) }
        }
        try process.run()
    }

    var text: String { lock.withLock { String(decoding: collected, as: UTF8.self) } }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits (bounded) for the process to exit; returns its status, nil on timeout (then kills it).
    func waitForExit(timeout: Duration = .seconds(30)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            signal(SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
