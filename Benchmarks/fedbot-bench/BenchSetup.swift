import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import ServiceLifecycle

/// The rooms and config files the bot phases share, on one lab: an admin room made by alice (an
/// operator) with the bot (the lab's `admin`) invited, and a notices room.
struct BotRooms: Sendable {
    let lab: Lab
    let alice: BenchUser
    let adminRoom: String
    let noticeRoom: String
    let directory: String

    static func make(lab: Lab) async throws -> BotRooms {
        let users = lab.info.users
        let alice = BenchUser(baseURL: lab.info.a.clientURL, user: users.alice)
        let room = try await alice.createRoom(name: "bench ops", invite: [users.admin.userID])
        let notices = try await alice.createRoom(name: "bench alerts", invite: [users.admin.userID])
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("fedbot-bench-\(UUID().uuidString.prefix(8).lowercased())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tokenPath = directory + "/token"
        try Data(users.admin.accessToken.utf8).write(to: URL(fileURLWithPath: tokenPath))
        chmod(tokenPath, 0o600)
        return BotRooms(lab: lab, alice: alice, adminRoom: room, noticeRoom: notices, directory: directory)
    }

    var botUser: String { lab.info.users.admin.userID }

    /// Writes a config; returns its path. `homeserverURL` defaults to A (the relay passes its own).
    func writeConfig(
        name: String, storage: String, homeserverURL: String? = nil, notices: Bool = false,
        interval: String = "60s", adminRooms: [String]? = nil, operators: [String]? = nil
    ) throws -> String {
        let path = directory + "/\(name).yaml"
        let rooms = (adminRooms ?? [adminRoom]).map { "\"\($0)\"" }.joined(separator: ", ")
        let people = (operators ?? [lab.info.users.alice.userID]).map { "\"\($0)\"" }.joined(separator: ", ")
        var yaml = """
            homeserver:
              url: "\(homeserverURL ?? lab.info.a.clientURL)"
              access_token_file: "\(directory)/token"
            bot:
              rooms: [\(rooms)]
              operators: [\(people)]
            storage:
              path: "\(storage)"
            diagnostics:
              # The benches measure the watcher and commands, not checks of synthetic names; any check asks a
              # DNS server on loopback where nothing listens, never the machine's own.
              on_notices: false
              resolver: "127.0.0.1:9"

            """
        if notices {
            yaml += """
                notices:
                  rooms: ["\(noticeRoom)"]
                  interval: \(interval)

                """
        }
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        return path
    }

    func loadConfig(_ path: String) throws -> FedBotConfig {
        try ConfigLoader.load(explicitPath: path, environment: [:], currentDirectory: directory).config
    }

    func storePath(_ name: String) -> String {
        directory + "/\(name)-\(UUID().uuidString.prefix(6).lowercased()).sqlite"
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

extension RunningBot {
    /// Starts the bot in this process and waits until its first sync stored a position: commands sent
    /// after that are answered.
    static func startReady(config: FedBotConfig, transport: any HTTPTransport, storePath: String) async throws
        -> RunningBot
    {
        let bot = try RunningBot.start(config: config, logger: quietLogger("bot"), transport: transport)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let store = try? BotStore(path: storePath),
                (try? await store.value(BotStore.Key.nextBatch)) ?? nil != nil
            {
                return bot
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        await bot.stop()
        throw BenchError("the in-process bot did not finish its first sync within 60 s")
    }
}

extension FedBotServices {
    /// Joins the configured rooms the way the sync service does at start-up, so that the watcher has a
    /// notice room (without one a poll waits and does nothing, which would measure nothing).
    func joinRoomsForPolling() async throws {
        await rooms.joinConfiguredRooms(clients.matrix)
        guard !(await rooms.noticeRoomIDs).isEmpty else {
            throw BenchError("the bot could not join the notice room, so polls would do nothing")
        }
    }
}
