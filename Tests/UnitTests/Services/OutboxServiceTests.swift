import FedBotCore
import FedBotModels
import Foundation
import MatrixClient
import Testing

@testable import FedBotRuntime

/// The outbox over a scripted homeserver and a manual clock: rate limits and order.
@Suite struct OutboxServiceTests {
    func message(_ transactionID: String) -> OutgoingMessage {
        OutgoingMessage(
            transactionID: transactionID, roomID: Fixture.Lab.adminRoom,
            content: .object(["msgtype": .string("m.notice"), "body": .string(transactionID)]))
    }

    @Test("a 429 is waited out as long as Synapse asks, then the same transaction is sent again")
    func rateLimitWait() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        try await test.openStore().enqueue(message("fedbot.reply.$limited"), now: 1)
        // Synapse's 429: retry_after_ms 9746 and Retry-After: 10; the longer one counts.
        test.homeserver.on(
            .put, "/send/", try Fixture.response("send-429"), repeating: try Fixture.response("send"))
        let bot = try test.start()
        try await eventually("the outbox waits 10 s") { test.clock.pendingSleeps.contains(.seconds(10)) }
        test.clock.advance(by: .milliseconds(9999))
        try await Task.sleep(for: .milliseconds(20))
        #expect(test.sentTransactions == ["fedbot.reply.$limited"])
        test.clock.advance(by: .milliseconds(1))
        try await eventually("the message is sent again") { test.sentTransactions.count == 2 }
        #expect(test.sentTransactions == ["fedbot.reply.$limited", "fedbot.reply.$limited"])
        let store = try test.openStore()
        try await eventually("the outbox marks it sent") {
            try await store.transactionState("fedbot.reply.$limited")
                == .sent(eventID: "$YlDEltG-Q-LMqENSnKVJv-KMyzmmzJqGDOQfhmeQ-m0")
        }
        #expect(await bot.stop() == nil)
    }

    @Test("messages go out in the order they were queued: a failing one holds back the later ones")
    func order() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        let store = try test.openStore()
        for id in ["first", "second", "third"] { try await store.enqueue(message(id), now: 1) }
        let send = try Fixture.response("send")
        test.homeserver.on(.put, "/send/m.room.message/first", repeating: send)
        test.homeserver.on(
            .put, "/send/m.room.message/second", ScriptedHomeserver.reply(502, "Bad Gateway"), repeating: send)
        test.homeserver.on(.put, "/send/m.room.message/third", repeating: send)
        let bot = try test.start()
        try await eventually("the outbox backs off after the 502") {
            test.clock.pendingSleeps.contains(.milliseconds(500))
        }
        #expect(test.sentTransactions == ["first", "second"])
        test.clock.advance(by: .milliseconds(500))
        try await eventually("all are sent") { try await store.outboxCount().unsent == 0 }
        #expect(test.sentTransactions == ["first", "second", "second", "third"])
        #expect(await bot.stop() == nil)
    }

    @Test("a refused token leaves every message queued")
    func unknownTokenKeepsMessages() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        let store = try test.openStore()
        try await store.enqueue(message("kept"), now: 1)
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("whoami-401"))
        let bot = try await test.startReady()
        try await eventually("the outbox tried") { test.sentTransactions == ["kept"] }
        #expect(await bot.stop() == nil)
        #expect(try await store.outboxCount() == (total: 1, unsent: 1))
    }
}
