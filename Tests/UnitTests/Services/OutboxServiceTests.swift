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

    @Test("messages go out in the order they were queued: in a room, a failing one holds back the later ones")
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
            test.clock.pendingSleeps.contains(OutboxService.backoff(afterAttempt: 1))
        }
        #expect(test.sentTransactions == ["first", "second"])
        test.clock.advance(by: OutboxService.backoff(afterAttempt: 1))
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

    // MARK: Per room, bounded retries (issue 16)

    static let otherRoom = RoomID("!second-admin-room:127.0.0.1:12754")

    func message(_ transactionID: String, in room: RoomID, content: JSONValue? = nil) -> OutgoingMessage {
        OutgoingMessage(
            transactionID: transactionID, roomID: room,
            content: content ?? .object(["msgtype": .string("m.notice"), "body": .string(transactionID)]))
    }

    /// An edit of `original` (a placeholder the outbox resolves to the original's event ID).
    func edit(_ transactionID: String, of original: String, in room: RoomID) -> OutgoingMessage {
        message(
            transactionID, in: room,
            content: .object([
                "msgtype": .string("m.notice"), "body": .string("* edited"),
                "m.new_content": .object(["msgtype": .string("m.notice"), "body": .string("edited")]),
                "m.relates_to": .object([
                    "rel_type": .string("m.replace"), "event_id": .string(OutboxReference.placeholder(original)),
                ]),
            ]))
    }

    static let serverError = ScriptedHomeserver.reply(
        500, #"{"errcode":"M_UNKNOWN","error":"Internal server error"}"#)

    static let gatewayError = ScriptedHomeserver.reply(502, "<html>502 Bad Gateway</html>")

    @Test("while the homeserver is away (gateway errors), nothing is given up, however long it takes")
    func homeserverAwayGivesNothingUp() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        let store = try test.openStore()
        try await store.enqueue(message("x.waiting"), now: 1)
        let tries = OutboxService.maxAttempts * 3
        for _ in 0..<tries { test.homeserver.on(.put, "/send/m.room.message/x.waiting", Self.gatewayError) }
        test.homeserver.on(.put, "/send/m.room.message/x.waiting", repeating: try Fixture.response("send"))
        // The room's waits are counted among the sleeps asked for (before whatever leads to them), not only the
        // pending ones: the command worker's idle 30 s sleep, partly run down by the earlier advances, can show
        // the same time left (16 s after 2 + 4 + 8).
        func asked(_ wait: Duration) -> Int { test.clock.requestedSleeps.filter { $0 == wait }.count }
        var before = asked(OutboxService.backoff(afterAttempt: 1))
        let bot = try test.start()
        for attempt in 1...tries {
            let wait = OutboxService.backoff(afterAttempt: attempt)
            try await eventually("try \(attempt) met the gateway error and the room waits \(wait)") {
                test.sentTransactions.count == attempt && test.clock.pendingSleeps.contains(wait)
                    && asked(wait) > before
            }
            #expect(try await store.transactionState("x.waiting") == .unsent)
            before = asked(OutboxService.backoff(afterAttempt: attempt + 1))
            test.clock.advance(by: wait)
        }
        try await eventually("it goes out once the homeserver is back") {
            try await store.transactionState("x.waiting") != .unsent
        }
        #expect(try await store.transactionState("x.waiting") != .failed)
        #expect(test.sentTransactions.count == tries + 1)
        #expect(await bot.stop() == nil)
    }

    @Test("a room whose messages get 5xx does not hold back another room's reply")
    func roomsDoNotBlockEachOther() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        let other = try #require(Self.otherRoom)
        let store = try test.openStore()
        try await store.enqueue(message("x.stuck"), now: 1)
        try await store.enqueue(message("y.reply", in: other), now: 2)
        test.homeserver.on(.put, "/send/m.room.message/x.stuck", repeating: Self.serverError)
        test.homeserver.on(.put, "/send/m.room.message/y.reply", repeating: try Fixture.response("send"))
        let bot = try test.start()
        // No clock advance: the other room's reply goes out while the first room backs off.
        try await eventually("the other room's reply is sent") {
            try await store.transactionState("y.reply") != .unsent
        }
        #expect(Set(test.sentTransactions) == ["x.stuck", "y.reply"], "the rooms send side by side")
        #expect(try await store.transactionState("x.stuck") == .unsent)
        test.clock.advance(by: .seconds(3600))
        #expect(await bot.stop() == nil)
    }

    @Test("a send that hangs in one room does not delay another room's reply (issue 16)")
    func hangingSendDoesNotBlockOtherRooms() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        let other = try #require(Self.otherRoom)
        let store = try test.openStore()
        try await store.enqueue(message("x.hangs"), now: 1)
        try await store.enqueue(message("x.after"), now: 2)
        try await store.enqueue(message("y.reply", in: other), now: 3)
        test.homeserver.on(.put, "/send/m.room.message/x.hangs")  // no answer: the request hangs
        test.homeserver.on(.put, "/send/m.room.message/x.after", repeating: try Fixture.response("send"))
        test.homeserver.on(.put, "/send/m.room.message/y.reply", repeating: try Fixture.response("send"))
        let bot = try test.start()
        // No clock advance: the hanging request would otherwise end only at the client's 30 s timeout.
        try await eventually("the other room's reply is sent while the first room's send hangs") {
            try await store.transactionState("y.reply") != .unsent
        }
        #expect(try await store.transactionState("x.hangs") == .unsent)
        #expect(!test.sentTransactions.contains("x.after"), "the hanging room's later message waits its turn")
        test.homeserver.on(.put, "/send/m.room.message/x.hangs", try Fixture.response("send"))
        try await eventually("once the send is answered the room goes on, in order") {
            try await store.outboxCount().unsent == 0
        }
        #expect(test.sentTransactions.filter { $0.hasPrefix("x.") } == ["x.hangs", "x.after"])
        #expect(await bot.stop() == nil)
    }

    @Test("a message that keeps failing is given up after the budget, reported, and its edit is dropped")
    func givesUpAfterBudget() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        let store = try test.openStore()
        try await store.enqueue(message("x.original"), now: 1)
        try await store.enqueue(edit("x.edit", of: "x.original", in: Fixture.Lab.adminRoom), now: 2)
        try await store.enqueue(message("x.later"), now: 3)
        test.homeserver.on(.put, "/send/m.room.message/x.original", repeating: Self.serverError)
        test.homeserver.on(.put, "/send/m.room.message/x.later", repeating: try Fixture.response("send"))
        // As above: the room's waits are counted among the sleeps asked for (the worker's idle sleep can show
        // the same time left).
        func asked(_ wait: Duration) -> Int { test.clock.requestedSleeps.filter { $0 == wait }.count }
        var before = asked(OutboxService.backoff(afterAttempt: 1))
        let bot = try test.start()
        for attempt in 1..<OutboxService.maxAttempts {
            let wait = OutboxService.backoff(afterAttempt: attempt)
            try await eventually("attempt \(attempt) failed and the room waits \(wait)") {
                test.sentTransactions.count == attempt && test.clock.pendingSleeps.contains(wait)
                    && asked(wait) > before
            }
            before = asked(OutboxService.backoff(afterAttempt: attempt + 1))
            test.clock.advance(by: wait)
        }
        try await eventually("the message is given up on") {
            try await store.transactionState("x.original") == .failed
        }
        try await eventually("the later message goes out") {
            try await store.transactionState("x.later") != .unsent
        }
        #expect(test.sentTransactions == Array(repeating: "x.original", count: OutboxService.maxAttempts) + ["x.later"])
        #expect(try await store.transactionState("x.edit") == .failed, "an edit of a message never sent is dropped")
        let undelivered = try await bot.services.outbox.undelivered(since: Timestamp(milliseconds: 0))
        #expect(
            undelivered == [
                .init(
                    room: Fixture.Lab.adminRoom.rawValue, count: 2, reason: "HTTP 500: M_UNKNOWN: Internal server error"
                )
            ])
        let metrics = bot.services.metrics.render(lastSync: nil, now: test.clock.now, outboxPending: nil)
        #expect(metrics.contains("fedbot_outbox_failed_total 2"))
        #expect(await bot.stop() == nil)
    }

    @Test("under retries, order within a room holds: an edit never overtakes its original, nor a reply an earlier one")
    func orderWithinRoomUnderRetries() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        let other = try #require(Self.otherRoom)
        let store = try test.openStore()
        try await store.enqueue(message("x.notice"), now: 1)
        try await store.enqueue(edit("x.edit", of: "x.notice", in: Fixture.Lab.adminRoom), now: 2)
        try await store.enqueue(message("x.reply"), now: 3)
        try await store.enqueue(message("y.reply", in: other), now: 4)
        let send = try Fixture.response("send")
        let badGateway = ScriptedHomeserver.reply(502, "<html>Bad Gateway</html>")
        test.homeserver.on(.put, "/send/m.room.message/x.notice", badGateway, badGateway, repeating: send)
        test.homeserver.on(.put, "/send/m.room.message/", repeating: send)
        let bot = try test.start()
        for attempt in 1...2 {
            let wait = OutboxService.backoff(afterAttempt: attempt)
            try await eventually("the room waits \(wait)") {
                test.clock.pendingSleeps.contains(wait)
                    && test.sentTransactions.filter { $0 == "x.notice" }.count == attempt
            }
            try await Task.sleep(for: .milliseconds(20))
            #expect(!test.sentTransactions.contains("x.edit") && !test.sentTransactions.contains("x.reply"))
            test.clock.advance(by: wait)
        }
        try await eventually("all are sent") { try await store.outboxCount().unsent == 0 }
        let sent = test.sentTransactions
        #expect(sent.filter { $0.hasPrefix("x.") } == ["x.notice", "x.notice", "x.notice", "x.edit", "x.reply"])
        let secondTry = try #require(sent.indices.filter { sent[$0] == "x.notice" }.dropFirst().first)
        #expect(
            try #require(sent.firstIndex(of: "y.reply")) < secondTry,
            "the other room's reply went out during the first backoff (rooms are not ordered among themselves)")
        let editBody = try #require(test.homeserver.requests(.put, "/x.edit").first?.json)
        #expect(
            editBody["m.relates_to"]?["event_id"]?.string == "$YlDEltG-Q-LMqENSnKVJv-KMyzmmzJqGDOQfhmeQ-m0",
            "the edit refers to the original's event ID")
        #expect(await bot.stop() == nil)
    }

    @Test("the pending count (for /metrics) is right after sends, failures and a restart, and reads only unsent rows")
    func pendingCount() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        let other = try #require(Self.otherRoom)
        let store = try test.openStore()
        try await store.enqueue(message("x.refused"), now: 1)
        try await store.enqueue(message("x.sent"), now: 2)
        try await store.enqueue(message("y.retried", in: other), now: 3)
        #expect(try await Outbox(store: store, clock: test.clock).pendingCount() == 3)
        test.homeserver.on(
            .put, "/send/m.room.message/x.refused",
            repeating: ScriptedHomeserver.reply(403, #"{"errcode":"M_FORBIDDEN","error":"User not in room"}"#))
        test.homeserver.on(.put, "/send/m.room.message/x.sent", repeating: try Fixture.response("send"))
        test.homeserver.on(
            .put, "/send/m.room.message/y.retried", ScriptedHomeserver.reply(502, "Bad Gateway"),
            repeating: try Fixture.response("send"))
        let bot = try test.start()
        try await eventually("one is refused, one sent, one waits to retry") {
            let sent = try await store.transactionState("x.sent") != .unsent
            let refused = try await store.transactionState("x.refused") == .failed
            return sent && refused && test.homeserver.requests(.put, "/y.retried").count == 1
        }
        #expect(try await bot.services.outbox.pendingCount() == 1)
        let scrape = bot.services.metrics.render(
            lastSync: nil, now: test.clock.now, outboxPending: try await bot.services.outbox.pendingCount())
        #expect(scrape.contains("fedbot_outbox_pending 1"))
        #expect(await bot.stop() == nil)

        let restarted = try test.start()
        #expect(try await restarted.services.outbox.pendingCount() <= 1)
        try await eventually("after the restart the waiting one is sent") {
            try await restarted.services.outbox.pendingCount() == 0
        }
        #expect(try await store.transactionState("y.retried") != .unsent)
        #expect(await restarted.stop() == nil)

        let plan = try await store.queryPlan(BotStore.unsentCountSQL)
        #expect(plan.joined().contains("COVERING INDEX outbox_unsent"), "counted in the index: \(plan)")
    }
}
