import FedBotLab
import Foundation

/// A `fedbot run` whose homeserver (and admin API) is a `FaultProxy`, in its own admin room: the minimum of
/// BotHarness the fault tier needs, kept here so the tier does not depend on the harness's internals.
struct FaultBot: Sendable {
    let lab: Lab
    let proxy: FaultProxy
    let directory: String
    let room: String
    let alice: MatrixUser
    let botUser: String

    /// Creates the room (alice invites the bot) and writes the config.
    static func make(lab: Lab, proxy: FaultProxy, name: String) async throws -> FaultBot {
        let users = lab.info.users
        let alice = MatrixUser(lab: lab, user: users.alice)
        let room = try await alice.createRoom(name: "faults \(name)", invite: [users.admin.userID])
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("fedbot-fault-\(name)-\(UUID().uuidString.prefix(6).lowercased())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tokenPath = directory + "/token"
        try Data(users.admin.accessToken.utf8).write(to: URL(fileURLWithPath: tokenPath))
        chmod(tokenPath, 0o600)
        let yaml = """
            homeserver:
              url: "\(proxy.url)"
              access_token_file: "\(tokenPath)"
            bot:
              rooms: ["\(room)"]
              operators: ["\(users.alice.userID)"]
            storage:
              path: "\(directory)/state.sqlite"

            """
        let configPath = directory + "/fedbot.yaml"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: configPath))
        chmod(configPath, 0o600)
        return FaultBot(
            lab: lab, proxy: proxy, directory: directory, room: room, alice: alice, botUser: users.admin.userID)
    }

    /// Starts `fedbot run` and waits (bounded) until it has synced once through the proxy (a /sync with `since`).
    func spawn() async throws -> FaultBotProcess {
        let process = try FaultBotProcess(
            arguments: ["run", "--config", directory + "/fedbot.yaml"], directory: directory)
        let seen = try await proxy.stats().log.count { $0.path.contains("/sync?") && $0.path.contains("since=") }
        let deadline = ContinuousClock.now + .seconds(40)
        while ContinuousClock.now < deadline {
            let now = try await proxy.stats().log.count { $0.path.contains("/sync?") && $0.path.contains("since=") }
            // Two `since` syncs: the first sync's position was stored and the next long-poll is under way.
            if now >= seen + 2 || (seen == 0 && now >= 1) { return process }
            if !process.process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.signal(SIGKILL)
        throw FaultTierError("the bot did not sync through the proxy within 40 s:\n\(process.text.suffix(3000))")
    }

    /// Replies from the bot to `eventID`, counted.
    func replies(to eventID: String) async throws -> Int {
        try await alice.replies(to: eventID, from: botUser, in: room).count
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct FaultTierError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `fedbot` as a child process with its output collected (like BotHarness's `BotProcess`).
final class FaultBotProcess: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var collected = Data()

    static var executable: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("fedbot")
                .path,
            Lab.repositoryRoot + "/.build/debug/fedbot",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    init(arguments: [String], directory: String) throws {
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
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

    /// Sends SIGTERM and waits up to `limit` (then SIGKILL); the exit status (nil: killed) and how long it took.
    func terminate(limit: Duration = .seconds(10)) async -> (status: Int32?, took: Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        signal(SIGTERM)
        while process.isRunning && clock.now - start < limit {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let took = clock.now - start
        if process.isRunning {
            signal(SIGKILL)
            process.waitUntilExit()
            return (nil, took)
        }
        return (process.terminationStatus, took)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
