import FedBotCore
import FedBotModels
import Foundation
import MatrixClient
import Testing

@testable import FedBotRuntime

/// Probes inside the whole bot over a scripted homeserver, a manual clock and a scripted prober.
@Suite struct ProbeServiceTests {
    static let remote = "b.example"
    static let nothingFailing = ScriptedHomeserver.reply(200, #"{"destinations":[],"total":0}"#)
    static let healthy = ScriptedHomeserver.reply(
        200,
        #"{"destination":"b.example","retry_last_ts":0,"retry_interval":0,"failure_ts":null,"last_successful_stream_ordering":10}"#
    )
    static let rooms = ScriptedHomeserver.reply(
        200, #"{"rooms":[{"room_id":"!a:b.example","stream_ordering":5}],"total":1}"#)

    static func failingRow(since: Timestamp) -> String {
        #"{"destination":"b.example","retry_last_ts":\#(since.milliseconds),"retry_interval":600000,"failure_ts":\#(since.milliseconds),"last_successful_stream_ordering":10}"#
    }

    /// A bot with notice rooms that probes b.example every minute and announces after two failures.
    static func bot(autoReset: Bool = false) throws -> (TestBot, ScriptedProber) {
        var test = try TestBot()
        let prober = ScriptedProber()
        test.prober = prober
        test.config.notices.rooms = [.id(Fixture.Lab.adminRoom)]
        test.config.notices.interval = .seconds(60)
        test.config.probes = FedBotConfig.Probes(
            servers: [Glob(remote)], interval: .seconds(60), failures: 2, autoReset: autoReset)
        try test.scriptStartUp()
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        test.homeserver.on(.get, "b.example/rooms", repeating: rooms)
        return (test, prober)
    }

    /// The bodies of the messages sent so far whose transaction ID starts with `prefix`.
    static func sent(_ test: TestBot, _ prefix: String) -> [String] {
        test.homeserver.requests(.put, "/send/").filter { request in
            request.path.split(separator: "/").last.map { $0.hasPrefix(prefix) } ?? false
        }.map { String(decoding: $0.body ?? Data(), as: UTF8.self) }
    }

    /// Moves the clock 5 s at a time until `condition` holds (at most `limit` of clock time).
    static func advance(
        _ test: TestBot, limit: Duration, _ what: String, until condition: () -> Bool
    ) async throws -> Duration {
        var moved = Duration.zero
        while !condition() {
            guard moved < limit else {
                Issue.record("\(what): not within \(limit)")
                return moved
            }
            test.clock.advance(by: .seconds(5))
            moved += .seconds(5)
            try await Task.sleep(for: .milliseconds(15))
        }
        return moved
    }

    @Test("a failed admin re-check of a probe-only incident does not say that Synapse fails too")
    func failedRecheckIsNotSynapseFailing() async throws {
        let (test, prober) = try Self.bot()
        defer { test.cleanUp() }
        prober.set(Self.remote, ScriptedProber.refused)
        test.homeserver.on(.get, "/federation/destinations/b.example", repeating: Self.healthy)
        test.homeserver.on(.get, "/federation/destinations", repeating: Self.nothingFailing)
        let bot = try await test.startReady()
        _ = try await Self.advance(test, limit: .seconds(180), "the probe notice") {
            !Self.sent(test, "fedbot.notice.").isEmpty
        }
        // The look-up of the open incident now fails (an answer that is no destination): Synapse's side is
        // unknown, not failing.
        test.homeserver.on(
            .get, "/federation/destinations/b.example", repeating: ScriptedHomeserver.reply(200, "not json"))
        let before = test.homeserver.requests(.get, "/federation/destinations/b.example").count
        _ = try await Self.advance(test, limit: .seconds(300), "failed re-checks") {
            test.homeserver.requests(.get, "/federation/destinations/b.example").count >= before + 3
        }
        #expect(!Self.sent(test, "fedbot.edit.").contains { $0.contains("Synapse fails too") })
        #expect(Self.sent(test, "fedbot.notice.").count == 1)
        #expect(await bot.stop() == nil)
    }

    @Test("a server that stops answering is announced before Synapse notices; Synapse's failure joins it")
    func probeNoticeThenSynapseJoins() async throws {
        let (test, prober) = try Self.bot()
        defer { test.cleanUp() }
        prober.set(Self.remote, ScriptedProber.refused)
        test.homeserver.on(.get, "/federation/destinations/b.example", repeating: Self.healthy)
        test.homeserver.on(.get, "/federation/destinations", repeating: Self.nothingFailing)
        let bot = try await test.startReady()
        try await eventually("the first probe ran") { prober.probes(of: Self.remote) >= 1 }
        // Two failures one interval (plus jitter) apart, then the watcher's poll: within interval × 2 + 1.
        let took = try await Self.advance(test, limit: .seconds(180), "the probe notice") {
            !Self.sent(test, "fedbot.notice.").isEmpty
        }
        #expect(took <= .seconds(120))
        let notice = try #require(Self.sent(test, "fedbot.notice.").first)
        #expect(notice.contains("b.example not answering federation (probe: connection refused on 127.0.0.1:8448)"))
        #expect(notice.contains("Synapse has not noticed yet"))
        #expect(test.homeserver.requests(.post, "reset_connection").isEmpty)

        // Synapse records the failure: the same notice is edited, no second notice.
        let row = Self.failingRow(since: test.clock.now)
        test.homeserver.on(
            .get, "/federation/destinations/b.example", repeating: ScriptedHomeserver.reply(200, row))
        test.homeserver.on(
            .get, "/federation/destinations",
            repeating: ScriptedHomeserver.reply(200, #"{"destinations":[\#(row)],"total":1}"#))
        _ = try await Self.advance(test, limit: .seconds(120), "the edit") {
            !Self.sent(test, "fedbot.edit.").isEmpty
        }
        #expect(Self.sent(test, "fedbot.edit.").first?.contains("Synapse fails too since") == true)
        test.clock.advance(by: .seconds(120))
        try await Task.sleep(for: .milliseconds(50))
        #expect(Self.sent(test, "fedbot.notice.").count == 1)
        #expect(await bot.stop() == nil)

        // After a restart: the incident and the probe records are still there; nothing is posted again.
        let again = try test.start()
        try await Task.sleep(for: .milliseconds(50))
        test.clock.advance(by: .seconds(60))
        try await Task.sleep(for: .milliseconds(50))
        #expect(Self.sent(test, "fedbot.notice.").count == 1)
        let state = try await test.openStore().watcherState()
        #expect(state.incidents[Self.remote]?.probe != nil)
        #expect(await again.stop() == nil)
    }

    @Test("auto_reset: a destination in backoff whose probes answer is reset once, said in the thread")
    func autoResetOnce() async throws {
        let (test, prober) = try Self.bot(autoReset: true)
        defer { test.cleanUp() }
        prober.set(Self.remote, .answered(latencyMilliseconds: 3))
        let row = Self.failingRow(since: test.clock.now - .seconds(600))
        test.homeserver.on(.post, "reset_connection", repeating: try Fixture.response("reset-connection-ok"))
        test.homeserver.on(
            .get, "/federation/destinations/b.example", repeating: ScriptedHomeserver.reply(200, row))
        test.homeserver.on(
            .get, "/federation/destinations",
            repeating: ScriptedHomeserver.reply(200, #"{"destinations":[\#(row)],"total":1}"#))
        let bot = try await test.startReady()
        _ = try await Self.advance(test, limit: .seconds(180), "the reset") {
            !test.homeserver.requests(.post, "reset_connection").isEmpty
        }
        try await eventually("the thread reply says so") {
            Self.sent(test, "fedbot.thread.").contains { $0.contains("answers probes again") }
        }
        test.clock.advance(by: .seconds(300))
        try await Task.sleep(for: .milliseconds(50))
        #expect(test.homeserver.requests(.post, "reset_connection").count == 1)
        #expect(await bot.stop() == nil)
    }

    @Test("without auto_reset nothing is reset")
    func noAutoReset() async throws {
        let (test, prober) = try Self.bot(autoReset: false)
        defer { test.cleanUp() }
        prober.set(Self.remote, .answered(latencyMilliseconds: 3))
        let row = Self.failingRow(since: test.clock.now - .seconds(600))
        test.homeserver.on(
            .get, "/federation/destinations/b.example", repeating: ScriptedHomeserver.reply(200, row))
        test.homeserver.on(
            .get, "/federation/destinations",
            repeating: ScriptedHomeserver.reply(200, #"{"destinations":[\#(row)],"total":1}"#))
        let bot = try await test.startReady()
        _ = try await Self.advance(test, limit: .seconds(120), "two probes") { prober.probes(of: Self.remote) >= 2 }
        test.clock.advance(by: .seconds(120))
        try await Task.sleep(for: .milliseconds(50))
        #expect(test.homeserver.requests(.post, "reset_connection").isEmpty)
        #expect(await bot.stop() == nil)
    }

    @Test("events waiting on a healthy destination for probes.stuck_after: one stuck notice")
    func stuckDelivery() async throws {
        let made = try Self.bot()
        var test = made.0
        let prober = made.1
        defer { test.cleanUp() }
        test.config.probes.stuckAfter = .seconds(120)
        prober.set(Self.remote, .answered(latencyMilliseconds: 3))
        // Healthy, last delivery at stream ordering 10; two shared rooms have newer events.
        test.homeserver.on(
            .get, "b.example/rooms",
            repeating: ScriptedHomeserver.reply(
                200,
                #"{"rooms":[{"room_id":"!a:b.example","stream_ordering":50},{"room_id":"!c:b.example","stream_ordering":60}],"total":2}"#
            ))
        test.homeserver.on(.get, "/federation/destinations/b.example", repeating: Self.healthy)
        test.homeserver.on(.get, "/federation/destinations", repeating: Self.nothingFailing)
        let bot = try await test.startReady()
        try await eventually("the first probe ran") { prober.probes(of: Self.remote) >= 1 }
        let took = try await Self.advance(test, limit: .seconds(300), "the stuck notice") {
            !Self.sent(test, "fedbot.notice.").isEmpty
        }
        #expect(took >= .seconds(120))
        let notice = try #require(Self.sent(test, "fedbot.notice.").first)
        #expect(notice.contains("b.example: events waiting for delivery for"))
        #expect(notice.contains("in 2 rooms; Synapse reports no failure"))
        test.clock.advance(by: .seconds(300))
        try await Task.sleep(for: .milliseconds(50))
        #expect(Self.sent(test, "fedbot.notice.").count == 1)
        #expect(await bot.stop() == nil)
    }
}
