import FedBotModels
import Foundation
import MatrixClient
import Testing

@testable import FedBotRuntime

/// Graceful shutdown ends every wait at once, without the clock moving: a rate-limit wait on /sync or a send,
/// the sync's backoff, the outbox's backoff and the start-up retry (issue 16). Server-supplied waits are
/// capped at a minute.
@Suite struct ShutdownTests {
    /// Synapse's 429 asking for a day.
    static let dayLongRateLimit = ScriptedHomeserver.reply(
        429, #"{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":86400000}"#,
        headers: [(name: "Retry-After", value: "86400")])
    static let badGateway = ScriptedHomeserver.reply(502, "<html>Bad Gateway</html>")

    func notice(_ transactionID: String) -> OutgoingMessage {
        OutgoingMessage(
            transactionID: transactionID, roomID: Fixture.Lab.adminRoom,
            content: .object(["msgtype": .string("m.notice"), "body": .string(transactionID)]))
    }

    @Test("a 429 on /sync asking for a day waits at most a minute, and shutdown ends the wait")
    func syncRateLimit() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        let bot = try await test.startReady()
        test.homeserver.on(.get, "/sync", Self.dayLongRateLimit)
        try await eventually("sync waits out the 429") { test.clock.pendingSleeps.contains(.seconds(60)) }
        #expect(
            test.clock.requestedSleeps.allSatisfy { $0 <= MatrixError.longestRetryAfter || $0 == Retention.interval })
        #expect(await bot.stopsPromptly(clock: test.clock))
    }

    @Test("shutdown ends the sync's backoff after a 5xx")
    func syncBackoff() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        let bot = try await test.startReady()
        test.homeserver.on(.get, "/sync", Self.badGateway)
        try await eventually("sync backs off") { test.clock.pendingSleeps.contains(.seconds(1)) }
        #expect(await bot.stopsPromptly(clock: test.clock))
    }

    @Test("a 429 on a send asking for a day waits at most a minute, and shutdown ends the wait")
    func outboxRateLimit() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        try await test.openStore().enqueue(notice("fedbot.reply.$limited"), now: 1)
        test.homeserver.on(.put, "/send/", repeating: Self.dayLongRateLimit)
        let bot = try await test.startReady()
        try await eventually("the outbox waits out the 429") { test.clock.pendingSleeps.contains(.seconds(60)) }
        #expect(
            test.clock.requestedSleeps.allSatisfy { $0 <= MatrixError.longestRetryAfter || $0 == Retention.interval })
        #expect(await bot.stopsPromptly(clock: test.clock))
        #expect(try await test.openStore().transactionState("fedbot.reply.$limited") == .unsent, "kept for later")
    }

    @Test("shutdown ends the outbox's backoff after a 5xx")
    func outboxBackoff() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        try await test.openStore().enqueue(notice("fedbot.reply.$failing"), now: 1)
        test.homeserver.on(.put, "/send/", repeating: Self.badGateway)
        let bot = try await test.startReady()
        try await eventually("the outbox backs off") { test.homeserver.requests(.put, "/send/").count == 1 }
        try await Task.sleep(for: .milliseconds(20))
        #expect(await bot.stopsPromptly(clock: test.clock))
        #expect(try await test.openStore().transactionState("fedbot.reply.$failing") == .unsent, "kept for later")
    }

    @Test("a send that hangs at shutdown is given up after the grace period and stays queued")
    func stalledSend() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        try await test.openStore().enqueue(notice("fedbot.reply.$stalled"), now: 1)
        test.homeserver.on(.put, "/send/")  // no answer: the request hangs
        let bot = try await test.startReady()
        try await eventually("the send is in flight") { test.homeserver.requests(.put, "/send/").count == 1 }
        let stopped = Locked(false)
        let stopping = Task {
            let error = await bot.stop()
            stopped.withLock { $0 = true }
            return error
        }
        try await eventually("shutdown waits out the grace on the bot's clock") {
            test.clock.pendingSleeps.contains(OutboxService.shutdownGrace)
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(!stopped.withLock { $0 }, "the send in flight gets its grace period")
        // The worker's grace sleep (ended when the idle worker finishes) and the outbox's are both 3 s on
        // the bot's clock and may register in either order: keep the clock moving until the bot stops.
        try await eventually("the bot stops once the grace is over") {
            if stopped.withLock({ $0 }) { return true }
            test.clock.advance(by: OutboxService.shutdownGrace)
            return false
        }
        #expect(await stopping.value == nil)
        #expect(try await test.openStore().transactionState("fedbot.reply.$stalled") == .unsent, "kept for later")
    }

    @Test("shutdown ends the start-up retry while the homeserver cannot be reached")
    func startupRetry() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        test.homeserver.on(.get, "/account/whoami", repeating: Self.badGateway)
        let bot = try test.start()
        try await eventually("start-up waits to retry whoami") {
            !test.homeserver.requests(.get, "/account/whoami").isEmpty
                && test.clock.pendingSleeps.contains { $0 < .seconds(30) }
        }
        #expect(await bot.stopsPromptly(clock: test.clock))
    }

    @Test("shutdown ends the retry of the sync filter's upload")
    func filterUploadRetry() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        test.homeserver.on(.get, "/account/whoami", repeating: try Fixture.response("whoami"))
        test.homeserver.on(.post, "/join/", repeating: try Fixture.response("join"))
        test.homeserver.on(.get, "/state/m.room.encryption", repeating: try Fixture.response("state-encryption-404"))
        test.homeserver.on(.post, "/filter", repeating: Self.badGateway)
        let bot = try test.start()
        try await eventually("the sync service waits to upload its filter again") {
            !test.homeserver.requests(.post, "/filter").isEmpty
                && test.clock.pendingSleeps.contains { $0 < .seconds(30) }
        }
        #expect(await bot.stopsPromptly(clock: test.clock))
    }
}
