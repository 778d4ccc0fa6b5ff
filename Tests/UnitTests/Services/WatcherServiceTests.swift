import FedBotCore
import FedBotModels
import Foundation
import MatrixClient
import Testing

@testable import FedBotRuntime

/// The watcher inside the whole bot over a scripted homeserver and a manual clock.
@Suite struct WatcherServiceTests {
    @Test("the watcher polls at start and then every notices.interval; its baseline notice goes out once")
    func pollInterval() async throws {
        var test = try TestBot()
        defer { test.cleanUp() }
        test.config.notices.rooms = [.id(Fixture.Lab.adminRoom)]
        test.config.notices.interval = .seconds(60)
        try test.scriptStartUp()
        test.homeserver.on(.get, "/rooms", repeating: try Fixture.response("destination-rooms"))
        test.homeserver.on(.get, "/federation/destinations", repeating: try Fixture.response("destinations-failing"))
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        let bot = try await test.startReady()
        try await eventually("the first poll's notice is sent") {
            test.sentTransactions.contains { $0.hasPrefix("fedbot.notice.") }
        }
        try await eventually("the watcher waits for the next poll") { test.clock.pendingSleeps.contains(.seconds(60)) }
        let scans = test.homeserver.requests(.get, "/federation/destinations").count
        test.clock.advance(by: .milliseconds(59_999))
        try await Task.sleep(for: .milliseconds(20))
        #expect(test.homeserver.requests(.get, "/federation/destinations").count == scans)
        test.clock.advance(by: .milliseconds(1))
        try await eventually("the second poll scans") {
            test.homeserver.requests(.get, "/federation/destinations").count > scans
        }
        try await Task.sleep(for: .milliseconds(20))
        #expect(test.sentTransactions.filter { $0.hasPrefix("fedbot.notice.") }.count == 1)
        #expect(await bot.stop() == nil)
    }
}

/// Open incidents whose destinations vanished from Synapse, and shutdown during a poll.
@Suite struct WatcherRecheckServiceTests {
    static let nothingFailing = ScriptedHomeserver.reply(200, #"{"destinations":[],"total":0}"#)
    static let unknown = ScriptedHomeserver.reply(404, #"{"errcode":"M_NOT_FOUND","error":"Unknown destination"}"#)

    /// A bot whose state holds `count` open incidents (baseline taken) for servers s0000.example…
    static func botWithIncidents(_ count: Int) async throws -> TestBot {
        var test = try TestBot()
        test.config.notices.rooms = [.id(Fixture.Lab.adminRoom)]
        test.config.notices.interval = .seconds(60)
        let since = Timestamp(milliseconds: test.clock.now.milliseconds - 3 * 86_400_000)
        var incidents: [String: Incident] = [:]
        for index in 0..<count {
            let server = "s\(String(format: "%04d", index)).example"
            incidents[server] = Incident(server: server, since: since, detectedAt: since, lastDelivery: 7)
        }
        let store = try test.openStore()
        try await store.commitWatcher(
            WatcherState(baselineTaken: true, incidents: incidents, lastPoll: since), messages: [],
            now: since.milliseconds)
        try test.scriptStartUp()
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        return test
    }

    @Test("5,000 open incidents whose rows vanished: one poll closes them with a handful of requests")
    func vanishedInBulk() async throws {
        let test = try await Self.botWithIncidents(5000)
        defer { test.cleanUp() }
        test.homeserver.on(.get, "/federation/destinations/", repeating: Self.unknown)
        test.homeserver.on(.get, "/federation/destinations", repeating: Self.nothingFailing)
        let bot = try await test.startReady()
        let store = try test.openStore()
        try await eventually("the incidents are closed") { try await store.watcherState().incidents.isEmpty }
        let requests = test.homeserver.requests(.get, "/federation/destinations")
        #expect(requests.count <= 3, "\(requests.count) requests")
        #expect(await bot.stop() == nil)
    }

    @Test("a few vanished incidents are looked up one by one, at most 20 a poll")
    func fewLookedUp() async throws {
        let test = try await Self.botWithIncidents(3)
        defer { test.cleanUp() }
        test.homeserver.on(.get, "/federation/destinations/", repeating: Self.unknown)
        // Synapse knows 100,000 destinations: a walk would cost 20 requests.
        test.homeserver.on(
            .get, "/federation/destinations",
            repeating: ScriptedHomeserver.reply(200, #"{"destinations":[],"total":100000}"#))
        let bot = try await test.startReady()
        let store = try test.openStore()
        try await eventually("the incidents are closed") { try await store.watcherState().incidents.isEmpty }
        #expect(test.homeserver.requests(.get, "/federation/destinations/").count == 3)
        #expect(await bot.stop() == nil)
    }

    @Test("shutdown while a poll waits for Synapse returns promptly, and the incidents stay open")
    func shutdownDuringPoll() async throws {
        let test = try await Self.botWithIncidents(30)
        defer { test.cleanUp() }
        // The scan answers; every other request to the admin API hangs.
        test.homeserver.on(.get, "/federation/destinations/")
        test.homeserver.on(.get, "/federation/destinations", Self.nothingFailing)
        let bot = try await test.startReady()
        try await eventually("the poll waits for Synapse") {
            test.homeserver.requests(.get, "/federation/destinations").count >= 2
        }
        // Nothing but the shutdown can end the hanging request (moving the clock would not): the bot
        // must stop by itself, within a bound counted in checks rather than real time (see `holds`).
        let stopped = Locked(false)
        let stopping = Task {
            await bot.stop()
            stopped.withLock { $0 = true }
        }
        let prompt = try await holds(within: 2_500, pause: .milliseconds(2)) { stopped.withLock { $0 } }
        // Not stopped in time: cancel the bot so that the test ends.
        if !prompt { bot.cancel() }
        await stopping.value
        #expect(prompt, "the bot did not stop while the request hung")
        #expect(try await test.openStore().watcherState().incidents.count == 30)
    }
}
