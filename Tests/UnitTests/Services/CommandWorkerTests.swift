import FedBotCore
import FedBotModels
import Foundation
import MatrixClient
import Testing

@testable import FedBotRuntime

/// The whole bot answering commands over a scripted homeserver and a manual clock: the reset follow-up's
/// timing and crash recovery.
@Suite struct CommandWorkerTests {
    @Test("after `reset`, the follow-up goes out 5 s later, not before")
    func followUpTiming() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        let destination = "/federation/destinations/\(Fixture.Lab.remote)"
        test.homeserver.on(
            .get, destination, try Fixture.response("destination-failing"),
            repeating: try Fixture.response("destination-after-reset"))
        test.homeserver.on(.post, "/reset_connection", repeating: try Fixture.response("reset-connection-ok"))
        test.homeserver.on(.get, "/rooms", repeating: try Fixture.response("destination-rooms"))
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        let bot = try await test.startReady()
        test.homeserver.on(.get, "/sync", try Fixture.response("sync-command"))
        let reply = "fedbot.reply.\(Fixture.Lab.commandEvent)"
        let followUp = "fedbot.followup.\(Fixture.Lab.commandEvent)"
        try await eventually("the reset is answered") { test.sentTransactions == [reply] }
        #expect(test.homeserver.requests(.post, "/reset_connection").count == 1)
        try await eventually("the worker waits for the follow-up") { test.clock.pendingSleeps.contains(.seconds(5)) }
        test.clock.advance(by: .milliseconds(4999))
        try await Task.sleep(for: .milliseconds(20))
        #expect(test.sentTransactions == [reply])
        test.clock.advance(by: .milliseconds(1))
        try await eventually("the follow-up is sent") { test.sentTransactions == [reply, followUp] }
        #expect(await bot.stop() == nil)
    }

    @Test("after a crash, a recorded command is answered once and a queued reply is resent with its transaction ID")
    func crashRecovery() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        // The state a crash left: a command recorded but not answered (after-record), and a reply queued
        // but not known to be sent (after-complete, or after-send before the outbox noted it).
        let store = try test.openStore()
        try await store.setValue(String(test.clock.now.milliseconds - 1000), for: BotStore.Key.firstSyncAt)
        let now = test.clock.now.milliseconds
        let pending = StoredCommand(
            eventID: eventID("$pending"), roomID: Fixture.Lab.adminRoom, sender: Fixture.Lab.alice, body: "!fed help",
            threadRoot: nil, originTs: now, receivedAt: now)
        try await store.recordSync(nextBatch: "s22_1_0_1_1_1_1_7_0_1_1_1_1_1", commands: [pending])
        try await store.enqueue(
            OutgoingMessage(
                transactionID: "fedbot.reply.$earlier", roomID: Fixture.Lab.adminRoom,
                content: .object(["msgtype": .string("m.notice"), "body": .string("earlier")])), now: now)

        let first = try test.start()
        try await eventually("both replies are sent") { try await store.outboxCount() == (total: 2, unsent: 0) }
        #expect(await first.stop() == nil)
        #expect(test.sentTransactions.sorted() == ["fedbot.reply.$earlier", "fedbot.reply.$pending"])
        #expect(test.homeserver.requests(.get, "/sync").first?.query.contains("since=s22_") == true)

        // A restart on the same state file sends nothing again.
        let second = try test.start()
        try await eventually("the restarted bot syncs") { test.homeserver.requests(.get, "/sync").count >= 2 }
        try await Task.sleep(for: .milliseconds(20))
        #expect(await second.stop() == nil)
        #expect(test.sentTransactions.sorted() == ["fedbot.reply.$earlier", "fedbot.reply.$pending"])
    }
}
