import FedBotCore
import FedBotModels
import Foundation
import MatrixClient
import Testing

@testable import FedBotRuntime

/// Commands run side by side (issue 17): a slow one holds no other room's, replies keep their order within a
/// room, and a restart after a crash in the middle of a burst answers each command once.
@Suite struct CommandConcurrencyTests {
    static let otherRoom = roomID("!second-admin-room:127.0.0.1:12754")

    /// A bot in two admin rooms (the lab's and `otherRoom`), with alice an operator in both.
    static func botInTwoRooms() throws -> TestBot {
        var test = try TestBot()
        test.config.bot.rooms = [.id(Fixture.Lab.adminRoom), .id(otherRoom)]
        let joined = #"{"room_id": "\#(otherRoom)"}"#
        test.homeserver.on(
            .post, "/join/\(otherRoom)", repeating: HTTPResponse(status: 200, headers: [], body: Data(joined.utf8)))
        try test.scriptStartUp()
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        // Shared-room counts answer at once; a destination answers only when the test says (slow.example)
        // or at once (fast.example).
        test.homeserver.on(.get, "slow.example/rooms", repeating: try Fixture.response("destination-rooms"))
        test.homeserver.on(.get, "fast.example/rooms", repeating: try Fixture.response("destination-rooms"))
        test.homeserver.on(.get, "/destinations/slow.example")
        test.homeserver.on(.get, "/destinations/fast.example", repeating: try Fixture.response("destination"))
        return test
    }

    static func message(_ id: String, _ body: String) -> String {
        """
        {"type": "m.room.message", "event_id": "\(id)", "sender": "\(Fixture.Lab.alice)",
         "origin_server_ts": \(Fixture.Lab.commandSentAt.milliseconds), "content": {"msgtype": "m.text", "body": "\(body)"}}
        """
    }

    /// A sync with `events` per room.
    static func sync(_ batch: String, _ rooms: [(RoomID, [String])]) -> HTTPResponse {
        let joined = rooms.map { room, events in
            #""\#(room)": {"timeline": {"events": [\#(events.joined(separator: ","))], "limited": false}, "state": {"events": []}}"#
        }
        let json = #"{"next_batch": "\#(batch)", "rooms": {"join": {\#(joined.joined(separator: ","))}}}"#
        return HTTPResponse(status: 200, headers: [], body: Data(json.utf8))
    }

    /// Transaction IDs of the replies sent to `room`, in order.
    static func replies(_ test: TestBot, in room: RoomID) -> [String] {
        test.homeserver.requests(.put, "/rooms/\(room)/send/").compactMap {
            $0.path.split(separator: "/").last.map(String.init)
        }
    }

    @Test("a slow command in one room does not delay a fast one in another; within a room replies keep their order")
    func slowCommandHoldsNoOtherRoom() async throws {
        let test = try Self.botInTwoRooms()
        defer { test.cleanUp() }
        let bot = try await test.startReady()
        test.homeserver.on(
            .get, "/sync",
            Self.sync(
                "s30_1",
                [
                    (
                        Fixture.Lab.adminRoom,
                        [
                            Self.message("$slow", "!fed show slow.example"),
                            Self.message("$after", "!fed show fast.example"),
                        ]
                    ),
                    (Self.otherRoom, [Self.message("$fast", "!fed show fast.example")]),
                ]))
        // No clock moves and the slow destination never answers: the other room's reply still goes out.
        try await eventually("the other room's command is answered") {
            Self.replies(test, in: Self.otherRoom) == ["fedbot.reply.$fast"]
        }
        // The command after the slow one in its room has run too (both fast.example look-ups were made)…
        try await eventually("the second command in the slow room ran") {
            test.homeserver.requests(.get, "/destinations/fast.example").filter { !$0.path.hasSuffix("/rooms") }.count
                == 2
        }
        try await Task.sleep(for: .milliseconds(50))
        // …but its reply waits for the slow one's.
        #expect(Self.replies(test, in: Fixture.Lab.adminRoom).isEmpty)
        #expect(try await test.openStore().pendingCommands().map(\.eventID.rawValue).sorted() == ["$after", "$slow"])

        test.homeserver.on(.get, "/destinations/slow.example", repeating: try Fixture.response("destination"))
        try await eventually("both replies of the slow room are sent") {
            Self.replies(test, in: Fixture.Lab.adminRoom).count == 2
        }
        #expect(Self.replies(test, in: Fixture.Lab.adminRoom) == ["fedbot.reply.$slow", "fedbot.reply.$after"])
        #expect(await bot.stop() == nil)
        #expect(test.sentTransactions.count == 3)
    }

    @Test("after a crash in the middle of a burst, each pending command is answered once, in order per room")
    func burstAfterCrash() async throws {
        let test = try Self.botInTwoRooms()
        defer { test.cleanUp() }
        // What a crash left: 12 commands recorded in two rooms, the first two already answered.
        let store = try test.openStore()
        try await store.setValue(String(test.clock.now.milliseconds - 1000), for: BotStore.Key.firstSyncAt)
        let now = test.clock.now.milliseconds
        let commands = (0..<12).map { index in
            StoredCommand(
                eventID: eventID("$c\(index)"), roomID: index % 3 == 0 ? Self.otherRoom : Fixture.Lab.adminRoom,
                sender: Fixture.Lab.alice, body: "!fed show fast.example", threadRoot: nil, originTs: now,
                receivedAt: now)
        }
        try await store.recordSync(nextBatch: "s22_1_0_1_1_1_1_7_0_1_1_1_1_1", commands: commands)
        for command in commands.prefix(2) {
            let reply = OutgoingMessage(
                transactionID: "fedbot.reply.\(command.eventID)", roomID: command.roomID,
                content: .object(["msgtype": .string("m.notice"), "body": .string("done before the crash")]))
            try await store.complete(command, reply: reply, followUp: nil, now: now)
        }

        let first = try test.start()
        try await eventually("every command is answered") { try await store.outboxCount() == (total: 12, unsent: 0) }
        #expect(await first.stop() == nil)
        let second = try test.start()
        try await eventually("the restarted bot syncs") { test.homeserver.requests(.get, "/sync").count >= 2 }
        try await Task.sleep(for: .milliseconds(20))
        #expect(await second.stop() == nil)

        #expect(test.sentTransactions.count == 12, "each reply sent once: \(test.sentTransactions)")
        for room in [Fixture.Lab.adminRoom, Self.otherRoom] {
            let expected = commands.filter { $0.roomID == room }.map { "fedbot.reply.\($0.eventID)" }
            #expect(Self.replies(test, in: room) == expected)
        }
    }
}
