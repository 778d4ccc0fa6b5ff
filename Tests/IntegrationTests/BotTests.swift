import FedBotCore
import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import Testing

/// Issue 4's checks: the bot in a real room on a real Synapse, with alice (operator) and mallory.
@Suite("fedbot run in a room", .serialized)
struct BotTests {
    @Test("each command gets one m.notice reply, rich reply or in thread, plain + HTML")
    func commandsAndRelations() async throws {
        try await Lab.with(LabOptions()) { lab in
            let harness = try await BotHarness.make(lab: lab)
            defer { harness.cleanUp() }
            let bot = try await harness.startInProcess()
            let room = harness.adminRoom
            let b = lab.info.b.serverName

            for (command, expected) in [
                ("!fed list", "Federation: 0 failing, 1 healthy (1 destination)"),
                ("!FED Show \(b)", "🟢 \(b) is healthy"),
                ("!fed rooms @bob:\(b)", "Rooms shared with \(b): 1"),
                ("!fed status", "✅ fedbot is working: 0 of 1 destination failing"),
                ("!fed help", "fedbot watches this homeserver's federation. Commands:"),
                ("!fed lst", "⚠️ I don't know \"lst\". Did you mean !fed list?"),
                ("!fed show not_a_server", "⚠️ \"not_a_server\" is not a server name"),
            ] {
                let event = try await harness.alice.say(room, command)
                let replies = try await harness.alice.waitForReplies(to: event, from: harness.botUser, in: room)
                try #require(replies.count == 1, "\(command): \(replies.count) replies")
                let content = replies[0].content
                #expect(content["msgtype"]?.string == "m.notice", "\(command)")
                #expect(content["format"]?.string == "org.matrix.custom.html", "\(command)")
                #expect(
                    content["body"]?.string?.hasPrefix(expected) == true, "\(command): \(content["body"]?.string ?? "")"
                )
                #expect(content["formatted_body"]?.string?.isEmpty == false, "\(command)")
                #expect(content["m.mentions"] == .object([:]), "\(command)")
                #expect(content["m.relates_to"]?["rel_type"] == nil, "\(command)")
            }

            // A command inside a thread is answered in that thread, as a reply to the command.
            let root = try await harness.alice.say(room, "thread root")
            let threaded = try await harness.alice.say(
                room, "!fed show \(b)",
                relatesTo: .object([
                    "rel_type": .string("m.thread"), "event_id": .string(root), "is_falling_back": .bool(true),
                    "m.in_reply_to": .object(["event_id": .string(root)]),
                ]))
            let inThread = try await harness.alice.waitForReplies(to: threaded, from: harness.botUser, in: room)
            try #require(inThread.count == 1)
            #expect(inThread[0].content["m.relates_to"]?["rel_type"]?.string == "m.thread")
            #expect(inThread[0].content["m.relates_to"]?["event_id"]?.string == root)
            await bot.stop()
        }
    }

    @Test("no reply to m.notice, edits, other rooms; a non-operator without power is refused and nothing is called")
    func ignoredAndRefused() async throws {
        try await Lab.with(LabOptions()) { lab in
            let harness = try await BotHarness.make(lab: lab)
            defer { harness.cleanUp() }
            let transport = CountingTransport()
            let bot = try await harness.startInProcess(transport: transport)
            let room = harness.adminRoom

            // Another room the bot is in but that is not an admin room: the lab's shared room.
            let notice = try await harness.alice.say(room, "!fed list", msgtype: "m.notice")
            let otherRoom = try await harness.alice.createRoom(name: "not admin", invite: [harness.botUser])
            let elsewhere = try await harness.alice.say(otherRoom, "!fed list")
            let edit = try await harness.alice.send(
                room,
                .object([
                    "msgtype": .string("m.text"), "body": .string("* !fed list"),
                    "m.new_content": .object(["msgtype": .string("m.text"), "body": .string("!fed list")]),
                    "m.relates_to": .object(["rel_type": .string("m.replace"), "event_id": .string(notice)]),
                ]))

            // mallory (power level 0, not an operator) is refused once; nothing reaches the admin API.
            let adminCallsBefore = transport.paths.filter { $0.contains("/_synapse/admin") }.count
            let refused = try await harness.mallory.say(room, "!fed reset \(lab.info.b.serverName)")
            let refusal = try await harness.alice.waitForReplies(to: refused, from: harness.botUser, in: room)
            try #require(refusal.count == 1)
            #expect(refusal[0].content["body"]?.string?.hasPrefix("⛔ Only the bot's operators") == true)
            let again = try await harness.mallory.say(room, "!fed list")
            // A marker from alice: once it is answered, everything before it was processed.
            let marker = try await harness.alice.say(room, "!fed help")
            _ = try await harness.alice.waitForReplies(to: marker, from: harness.botUser, in: room)
            #expect(transport.paths.filter { $0.contains("/_synapse/admin") }.count == adminCallsBefore)
            #expect(try await harness.alice.replies(to: again, from: harness.botUser, in: room).isEmpty)
            #expect(try await harness.alice.replies(to: notice, from: harness.botUser, in: room).isEmpty)
            #expect(try await harness.alice.replies(to: edit, from: harness.botUser, in: room).isEmpty)
            #expect(try await harness.alice.replies(to: elsewhere, from: harness.botUser, in: otherRoom).isEmpty)
            // The bot declined the invite to the room that is not configured.
            #expect(try await harness.alice.membership(otherRoom, of: harness.botUser) == "leave")
            await bot.stop()
        }
    }

    @Test(
        "killed at each step after receiving a command, the restarted bot replies exactly once",
        arguments: ["after-record", "after-complete", "after-send"])
    func crashExactlyOnce(point: String) async throws {
        try await Lab.with(LabOptions()) { lab in
            let harness = try await BotHarness.make(lab: lab)
            defer { harness.cleanUp() }
            let first = try harness.spawn(environment: ["FEDBOT_TEST_CRASH_AT": point])
            try await harness.waitUntilReady()
            let event = try await harness.alice.say(harness.adminRoom, "!fed list")
            let status = await first.waitForExit(timeout: .seconds(30))
            #expect(
                status == 9 || first.process.terminationReason == .uncaughtSignal,
                "it crashed at \(point): \(first.text)")
            #expect(first.text.contains("test crash at \(point)"))

            let second = try harness.spawn()
            let replies = try await harness.alice.waitForReplies(
                to: event, from: harness.botUser, in: harness.adminRoom, settle: .seconds(3))
            #expect(replies.count == 1, "\(point): \(replies.count) replies")
            second.signal(SIGTERM)
            #expect(await second.waitForExit() == 0)
        }
    }

    @Test("commands sent while the bot is stopped are answered after it starts; SIGTERM exits 0")
    func downtime() async throws {
        try await Lab.with(LabOptions()) { lab in
            let harness = try await BotHarness.make(lab: lab)
            defer { harness.cleanUp() }
            let first = try harness.spawn()
            try await harness.waitUntilReady()
            first.signal(SIGTERM)
            #expect(await first.waitForExit() == 0)
            #expect(first.text.contains("fedbot stopped"))

            let whileDown = try await harness.alice.say(harness.adminRoom, "!fed list")
            let second = try harness.spawn()
            let replies = try await harness.alice.waitForReplies(
                to: whileDown, from: harness.botUser, in: harness.adminRoom)
            #expect(replies.count == 1)
            second.signal(SIGINT)
            #expect(await second.waitForExit() == 0)
        }
    }

    @Test("with a low message rate limit for the bot, 20 quick commands get one reply each, in order")
    func rateLimited() async throws {
        try await Lab.with(LabOptions(rcMessage: "0.5:3")) { lab in
            let harness = try await BotHarness.make(lab: lab)
            defer { harness.cleanUp() }
            // Only alice is exempt: the bot stays limited to a burst of 3, then one message per 2 s.
            let admin = MatrixUser(lab: lab, user: lab.info.users.admin)
            _ = try await admin.connection.send(
                .post, ["_synapse", "admin", "v1", "users", lab.info.users.alice.userID, "override_ratelimit"],
                body: HomeserverConnection.body(
                    JSONValue.object(["messages_per_second": .number(0), "burst_count": .number(0)])),
                retry: .none)
            let bot = try await harness.startInProcess()
            var events: [String] = []
            for index in 1...20 {
                events.append(
                    try await harness.alice.say(
                        harness.adminRoom, "!fed help \(["list", "show", "rooms", "reset"][index % 4])"))
            }
            let last = try await harness.alice.waitForReplies(
                to: events[19], from: harness.botUser, in: harness.adminRoom, timeout: .seconds(120))
            #expect(last.count == 1)
            let messages = try await harness.alice.messages(harness.adminRoom, limit: 200)
            let replies = messages.filter { $0.sender == harness.botUser && $0.type == "m.room.message" }
            let targets = replies.compactMap { $0.content["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.string }
            #expect(targets == events, "one reply per command, in the order of the commands")
            await bot.stop()
        }
    }

    @Test("an invalid token makes `fedbot run` exit non-zero with one clear line")
    func invalidToken() async throws {
        try await Lab.with(LabOptions()) { lab in
            let harness = try await BotHarness.make(lab: lab, noticeInterval: "1s")  // the watcher too
            defer { harness.cleanUp() }
            try harness.writeConfig(operators: [], token: "syt_invalid_token")
            // A reply still queued from before the token went bad must survive this run, not be given up on.
            let queued = OutgoingMessage(
                transactionID: "fedbot.reply.$queued", roomID: try #require(RoomID(harness.adminRoom)),
                content: .object(["msgtype": .string("m.notice"), "body": .string("queued")]))
            #expect(try await BotStore(path: harness.storePath).enqueue(queued, now: 1))
            let bot = try harness.spawn(environment: [:])
            let status = await bot.waitForExit()
            #expect(status == 1)
            let lines = bot.text.split(separator: "\n").filter { $0.hasPrefix("fedbot:") }
            #expect(lines.count == 1)
            #expect(lines.first?.contains("access token") == true)
            #expect(!bot.text.contains("syt_invalid_token"))
            let unsent = try await BotStore(path: harness.storePath).unsentMessages()
            #expect(unsent.map(\.message.transactionID) == ["fedbot.reply.$queued"])
        }
    }

    @Test("invites: a room configured by alias is joined when invited later and answers; other invites are declined")
    func invites() async throws {
        try await Lab.with(LabOptions()) { lab in
            let harness = try await BotHarness.make(lab: lab)
            defer { harness.cleanUp() }
            let aliasName = "late-ops-\(UUID().uuidString.prefix(6).lowercased())"
            let alias = "#\(aliasName):\(lab.info.a.serverName)"
            // Configured by ID, existing before the bot starts, the bot not invited yet.
            let byID = try await harness.alice.createRoom(name: "ops by id", invite: [])
            try harness.writeConfig(operators: [lab.info.users.alice.userID], moreRooms: [alias, byID])
            let bot = try await harness.startInProcess()
            let earlyByID = try await harness.alice.say(byID, "!fed status")
            try await harness.alice.invite(byID, harness.botUser)
            // Created after the bot started, so only the invite can bring it in; a command said before the
            // bot is there is history, not for it.
            let late = try await harness.alice.createRoom(name: "late ops", invite: [], aliasName: aliasName)
            let early = try await harness.alice.say(late, "!fed status")
            try await harness.alice.invite(late, harness.botUser)
            let other = try await harness.alice.createRoom(name: "not configured", invite: [harness.botUser])
            let deadline = ContinuousClock.now + .seconds(20)
            var memberships: (String?, String?) = (nil, nil)
            while ContinuousClock.now < deadline {
                memberships = (
                    try await harness.alice.membership(late, of: harness.botUser),
                    try await harness.alice.membership(other, of: harness.botUser)
                )
                if memberships == ("join", "leave") { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(memberships.0 == "join")
            #expect(memberships.1 == "leave")
            #expect(try await harness.alice.membership(byID, of: harness.botUser) == "join")
            let laterByID = try await harness.alice.say(byID, "!fed help")
            #expect(
                try await harness.alice.waitForReplies(to: laterByID, from: harness.botUser, in: byID).count == 1)
            #expect(
                try await harness.alice.waitForReplies(
                    to: earlyByID, from: harness.botUser, in: byID, timeout: .seconds(2), settle: .zero
                ).isEmpty)
            let command = try await harness.alice.say(late, "!fed help")
            let replies = try await harness.alice.waitForReplies(to: command, from: harness.botUser, in: late)
            #expect(replies.count == 1)
            let toEarly = try await harness.alice.waitForReplies(
                to: early, from: harness.botUser, in: late, timeout: .seconds(2), settle: .zero)
            #expect(toEarly.isEmpty)
            #expect(
                try await harness.alice.messages(other).allSatisfy {
                    $0.sender != harness.botUser || $0.type != "m.room.message"
                })
            await bot.stop()
        }
    }

    @Test("a command buried under 60 later messages while the bot was down is still answered, once")
    func gapIsBackfilled() async throws {
        try await Lab.with(LabOptions()) { lab in
            let harness = try await BotHarness.make(lab: lab)
            defer { harness.cleanUp() }
            let first = try await harness.startInProcess()
            await first.stop()
            let buried = try await harness.alice.say(harness.adminRoom, "!fed list")
            for index in 1...60 { try await harness.alice.say(harness.adminRoom, "chatter \(index)") }
            let second = try await harness.startInProcess()
            let replies = try await harness.alice.waitForReplies(
                to: buried, from: harness.botUser, in: harness.adminRoom, settle: .seconds(2))
            #expect(replies.count == 1)
            await second.stop()
        }
    }
}
