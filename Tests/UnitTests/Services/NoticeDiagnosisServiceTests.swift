import FedBotCore
import FedBotModels
import Foundation
import MatrixClient
import Testing

@testable import FedBotRuntime

/// `diagnostics.on_notices` inside the whole bot: a scripted homeserver, a manual clock, scripted checks.
@Suite struct NoticeDiagnosisServiceTests {
    static let nothingFailing = ScriptedHomeserver.reply(200, #"{"destinations":[],"total":0}"#)
    static let rooms = ScriptedHomeserver.reply(
        200, #"{"rooms":[{"room_id":"!a:b.example","stream_ordering":5}],"total":1}"#)

    static func failing(_ servers: [String], since: Timestamp) -> HTTPResponse {
        let rows = servers.map { server in
            #"{"destination":"\#(server)","retry_last_ts":\#(since.milliseconds),"retry_interval":600000,"failure_ts":\#(since.milliseconds),"last_successful_stream_ordering":10}"#
        }
        return ScriptedHomeserver.reply(
            200, #"{"destinations":[\#(rows.joined(separator: ","))],"total":\#(servers.count)}"#)
    }

    /// A bot with a notice room whose first poll sees nothing failing.
    static func bot(_ diagnosis: ScriptedDiagnosis) throws -> TestBot {
        var test = try TestBot()
        test.diagnosing = diagnosis
        test.config.notices.rooms = [.id(Fixture.Lab.adminRoom)]
        test.config.notices.interval = .seconds(60)
        try test.scriptStartUp()
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        test.homeserver.on(.get, "/rooms", repeating: rooms)
        test.homeserver.on(.get, "/federation/destinations", repeating: nothingFailing)
        return test
    }

    /// Starts the bot, waits for the baseline, then makes `servers` fail and moves to the next poll.
    static func failAfterBaseline(_ test: TestBot, _ servers: [String]) async throws -> RunningBot {
        let bot = try await test.startReady()
        let store = try test.openStore()
        try await eventually("the baseline is taken") { try await store.watcherState().baselineTaken }
        try await eventually("the watcher waits") { test.clock.pendingSleeps.contains(.seconds(60)) }
        let since = Timestamp(milliseconds: test.clock.now.milliseconds - 60_000)
        test.homeserver.on(.get, "/federation/destinations", repeating: failing(servers, since: since))
        test.clock.advance(by: .seconds(60))
        return bot
    }

    @Test("a failure notice gets one thread reply with the verdict and the contact; not again after a restart")
    func singleFailure() async throws {
        let diagnosis = ScriptedDiagnosis()
        let test = try Self.bot(diagnosis)
        defer { test.cleanUp() }
        let bot = try await Self.failAfterBaseline(test, ["b.example"])
        try await eventually("the diagnosis is sent") {
            !ProbeServiceTests.sent(test, "fedbot.thread.").isEmpty
        }
        let thread = test.sentTransactions.filter { $0.hasPrefix("fedbot.thread.") }
        #expect(thread.count == 1)
        #expect(thread.first?.contains("failure-1-diagnosis.") == true)
        let body = try #require(ProbeServiceTests.sent(test, "fedbot.thread.").first)
        #expect(body.contains("🔴 b.example: connection refused on 127.0.0.1:8448"))
        #expect(body.contains("Contact: @admin:b.example (admin); support page https://b.example/support"))
        #expect(body.contains("m.thread"))
        #expect(!body.contains("this homeserver's network"))
        // It follows the notice (and its buttons) in the outbox.
        let notice = try #require(test.sentTransactions.firstIndex { $0.hasPrefix("fedbot.notice.") })
        let reply = try #require(test.sentTransactions.firstIndex { $0.hasPrefix("fedbot.thread.") })
        #expect(notice < reply)
        #expect(diagnosis.checks(of: "b.example") == 1)
        #expect(await bot.stop() == nil)

        let again = try test.start()
        try await Task.sleep(for: .milliseconds(50))
        test.clock.advance(by: .seconds(60))
        try await Task.sleep(for: .milliseconds(50))
        #expect(test.sentTransactions.filter { $0.hasPrefix("fedbot.thread.") }.count == 1)
        #expect(diagnosis.checks(of: "b.example") == 1)
        #expect(await again.stop() == nil)
    }

    @Test("a check that hangs never holds up the watcher's polls; the diagnosis follows when it ends")
    func pollNotBlocked() async throws {
        let diagnosis = ScriptedDiagnosis()
        diagnosis.hold()
        let test = try Self.bot(diagnosis)
        defer { test.cleanUp() }
        let bot = try await Self.failAfterBaseline(test, ["b.example"])
        try await eventually("the notice is sent") { test.sentTransactions.contains { $0.hasPrefix("fedbot.notice.") } }
        try await eventually("the check started") { diagnosis.checks(of: "b.example") == 1 }
        let scans = test.homeserver.requests(.get, "/federation/destinations").count
        try await eventually("the watcher waits for the next poll") { test.clock.pendingSleeps.contains(.seconds(60)) }
        test.clock.advance(by: .seconds(60))
        try await eventually("the next poll runs while the check hangs") {
            test.homeserver.requests(.get, "/federation/destinations").count > scans
        }
        #expect(ProbeServiceTests.sent(test, "fedbot.thread.").isEmpty)
        #expect(diagnosis.checks(of: "b.example") == 1)
        diagnosis.release()
        try await eventually("the diagnosis is sent") { !ProbeServiceTests.sent(test, "fedbot.thread.").isEmpty }
        #expect(await bot.stop() == nil)
    }

    @Test("a crash after the notice was stored: the next start diagnoses it")
    func afterCrash() async throws {
        let diagnosis = ScriptedDiagnosis()
        let test = try Self.bot(diagnosis)
        defer { test.cleanUp() }
        let now = test.clock.now
        let since = Timestamp(milliseconds: now.milliseconds - 60_000)
        let record = NoticeRecord(key: "failure-1", kind: .failure, postedAt: now, servers: ["b.example": since])
        let state = WatcherState(
            baselineTaken: true,
            incidents: [
                "b.example": Incident(server: "b.example", since: since, detectedAt: now, noticeKey: "failure-1")
            ],
            notices: ["failure-1": record], lastPoll: now, nextNoticeNumber: 2)
        let notice = NoticeOutbox.messages(
            for: .post(key: "failure-1", reply: Reply([.line("🔴 b.example")])), rooms: [Fixture.Lab.adminRoom])
        try await test.openStore().commitWatcher(state, messages: notice, now: now.milliseconds)
        test.homeserver.on(.get, "/federation/destinations", repeating: Self.failing(["b.example"], since: since))
        let bot = try await test.startReady()
        try await eventually("the diagnosis is sent") { !ProbeServiceTests.sent(test, "fedbot.thread.").isEmpty }
        #expect(
            test.sentTransactions.filter { $0.hasPrefix("fedbot.thread.") } == [
                "fedbot.thread.failure-1-diagnosis.\(Fixture.Lab.adminRoom.rawValue)"
            ])
        #expect(await bot.stop() == nil)
    }

    @Test("diagnostics.on_notices: false posts no diagnosis")
    func off() async throws {
        let diagnosis = ScriptedDiagnosis()
        var test = try Self.bot(diagnosis)
        test.config.diagnostics.onNotices = false
        defer { test.cleanUp() }
        let bot = try await Self.failAfterBaseline(test, ["b.example"])
        try await eventually("the notice is sent") { test.sentTransactions.contains { $0.hasPrefix("fedbot.notice.") } }
        try await Task.sleep(for: .milliseconds(50))
        #expect(ProbeServiceTests.sent(test, "fedbot.thread.").isEmpty)
        #expect(diagnosis.totalChecks == 0)
        #expect(await bot.stop() == nil)
    }
}
