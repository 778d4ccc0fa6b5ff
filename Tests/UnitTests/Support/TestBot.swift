import FedBotModels
import Foundation
import Logging
import MatrixClient
import ServiceLifecycle

@testable import FedBotRuntime

/// The whole bot (`buildServices`) over a `ScriptedHomeserver` and a `ManualClock`, with its state file in
/// a temporary directory. `scriptStartUp()` answers what start-up asks (whoami, join, the encryption
/// check, the filter, the first sync); a test then adds what its case needs.
struct TestBot: Sendable {
    let homeserver = ScriptedHomeserver()
    let clock: ManualClock
    var config: FedBotConfig
    let directory: String
    /// Replaces the check engine for `probes.*`.
    var prober: (any FederationProbing)?
    /// Replaces the check engine for the diagnosis on notices (`diagnostics.on_notices`).
    /// Scripted by default: unit tests never reach the network.
    var diagnosing: (any FederationDiagnosing)? = ScriptedDiagnosis()

    init(operators: [UserID] = [Fixture.Lab.alice], clock: ManualClock = ManualClock()) throws {
        self.clock = clock
        directory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("fedbot-services-\(UUID().uuidString.prefix(8).lowercased())").path
        var config = FedBotConfig(homeserver: .init(url: "http://synapse.test", accessToken: Secret("syt_test")))
        config.bot.rooms = [.id(Fixture.Lab.adminRoom)]
        config.bot.operators = operators
        config.storage.path = directory + "/state.sqlite"
        self.config = config
    }

    /// Start-up and the first sync, as the lab's Synapse answered them.
    func scriptStartUp() throws {
        homeserver.on(.get, "/account/whoami", repeating: try Fixture.response("whoami"))
        homeserver.on(.post, "/join/", repeating: try Fixture.response("join"))
        homeserver.on(.get, "/state/m.room.encryption", repeating: try Fixture.response("state-encryption-404"))
        homeserver.on(.post, "/filter", repeating: try Fixture.response("filter"))
        homeserver.on(.get, "/sync", try Fixture.response("sync-initial"))
    }

    var logger: Logger { Self.quietLogger }

    static var quietLogger: Logger {
        var logger = Logger(label: "fedbot-test")
        logger.logLevel = .critical
        return logger
    }

    /// A new store on the same file (what a restart opens).
    func openStore() throws -> BotStore { try BotStore(path: config.storage.path) }

    /// Builds and starts the bot's services.
    func start() throws -> RunningBot {
        try RunningBot.start(
            config: config, logger: logger, transport: homeserver, clock: clock, prober: prober,
            diagnosing: diagnosing)
    }

    /// Starts the bot and waits until its first sync is stored.
    func startReady() async throws -> RunningBot {
        let bot = try start()
        let store = try openStore()
        try await eventually("the first sync is stored") {
            try await store.value(BotStore.Key.nextBatch) != nil
        }
        return bot
    }

    /// The replies sent so far, by transaction ID, in order.
    var sentTransactions: [String] {
        homeserver.requests(.put, "/send/").compactMap { $0.path.split(separator: "/").last.map(String.init) }
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

extension RunningBot {
    /// Graceful shutdown without moving the clock: whether the group ended, without an error, while the
    /// clock stood still (checked up to `checks` times, 2 ms apart: at least 5 s with the pool free; the
    /// bound is in checks, not real time, see `holds`). When it did not end, the clock is moved a day ahead
    /// so that the test can end.
    func stopsPromptly(clock: ManualClock, within checks: Int = 2_500) async -> Bool {
        let stopped = Locked(false)
        let stopping = Task {
            let error = await stop()
            stopped.withLock { $0 = true }
            return error
        }
        let prompt = (try? await holds(within: checks, pause: .milliseconds(2)) { stopped.withLock { $0 } }) ?? false
        while !stopped.withLock({ $0 }) {
            clock.advance(by: .seconds(86_400))
            try? await Task.sleep(for: .milliseconds(10))
        }
        let error = await stopping.value
        return prompt && error == nil
    }
}
