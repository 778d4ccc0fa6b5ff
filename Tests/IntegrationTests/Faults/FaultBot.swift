import FedBotLab
import FedBotModels
import Foundation
import MatrixClient

/// A `fedbot run` whose homeserver (and admin API) is a `FaultProxy`, in its own admin room: the minimum of
/// BotHarness the fault tier needs, kept here so the tier does not depend on the harness's internals.
struct FaultBot: Sendable {
    let lab: Lab
    let proxy: FaultProxy
    let directory: String
    let room: String
    let noticeRoom: String?
    let alice: MatrixUser
    let botUser: String

    /// Registers a bot account of its own (a server admin: bots sharing one account decline each other's
    /// invites), creates the room (alice invites the bot) and writes the config.
    /// With `notices`, the watcher polls every second and posts to a notice room of its own (`noticeRoom`).
    static func make(lab: Lab, proxy: FaultProxy, name: String, notices: Bool = false) async throws -> FaultBot {
        let users = lab.info.users
        let alice = MatrixUser(lab: lab, user: users.alice)
        let suffix = UUID().uuidString.prefix(6).lowercased()
        let (botUser, token) = try await registerBot(lab: lab, localpart: "faultbot-\(name)-\(suffix)")
        let room = try await alice.createRoom(name: "faults \(name)", invite: [botUser])
        let noticeRoom = notices ? try await alice.createRoom(name: "fault notices \(name)", invite: [botUser]) : nil
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("fedbot-fault-\(name)-\(suffix)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tokenPath = directory + "/token"
        try Data(token.utf8).write(to: URL(fileURLWithPath: tokenPath))
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
            \(noticeRoom.map { "notices:\n  rooms: [\"\($0)\"]\n  interval: 1s\n" } ?? "")
            \(BotHarness.loopbackDiagnostics)
            """
        let configPath = directory + "/fedbot.yaml"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: configPath))
        chmod(configPath, 0o600)
        return FaultBot(
            lab: lab, proxy: proxy, directory: directory, room: room, noticeRoom: noticeRoom, alice: alice,
            botUser: botUser)
    }

    /// A new server admin on A, logged in with a password: its user ID and access token.
    static func registerBot(lab: Lab, localpart: String) async throws -> (String, String) {
        let admin = MatrixUser(lab: lab, user: lab.info.users.admin).connection
        let userID = "@\(localpart):\(lab.info.a.serverName)"
        let password = "fault-\(UUID().uuidString)"
        let account: JSONValue = .object(["password": .string(password), "admin": .bool(true)])
        _ = try await admin.send(
            .put, ["_synapse", "admin", "v2", "users", userID], body: HomeserverConnection.body(account), retry: .none)
        struct Login: Decodable { var access_token: String }
        let login: JSONValue = .object([
            "type": .string("m.login.password"), "password": .string(password), "device_id": .string("FAULTBOT"),
            "identifier": .object(["type": .string("m.id.user"), "user": .string(localpart)]),
        ])
        let token = try await admin.json(
            Login.self, .post, ["_matrix", "client", "v3", "login"], body: HomeserverConnection.body(login),
            retry: .none
        ).access_token
        return (userID, token)
    }

    /// Starts `fedbot run` and waits (bounded) until it has synced once through the proxy (a /sync with `since`).
    func spawn() async throws -> BotProcess {
        let process = try BotProcess(
            arguments: ["run", "--config", directory + "/fedbot.yaml"], environment: [:], directory: directory)
        let startedAt = try await proxy.stats().requests
        let deadline = ContinuousClock.now + .seconds(40)
        while ContinuousClock.now < deadline {
            // The proxy's log keeps the last 500 requests: number them to count only this run's.
            let stats = try await proxy.stats()
            let first = stats.requests - stats.log.count + 1
            let syncs = stats.log.enumerated().filter { index, request in
                first + index > startedAt && request.path.contains("/sync?") && request.path.contains("since=")
            }
            // A fresh state: one `since` sync means the first sync was stored. A restart syncs with `since` at
            // once: the second one means the first was handled.
            if syncs.count >= (startedAt == 0 ? 1 : 2) { return process }
            if !process.process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.signal(SIGKILL)
        throw HarnessError("the bot did not sync through the proxy within 40 s:\n\(process.text.suffix(3000))")
    }

    /// Replies from the bot to `eventID`, counted.
    func replies(to eventID: String) async throws -> Int {
        try await alice.replies(to: eventID, from: botUser, in: room).count
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

extension BotProcess {
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
}
