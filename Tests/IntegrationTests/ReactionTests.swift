import FedBotCore
import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import Testing

/// Issue 15's checks: reactions on a real failure notice work as buttons, for alice (an operator) and
/// not for mallory (power level 0).
@Suite("Reactions as buttons", .serialized)
struct ReactionTests {
    /// The bot's answers in the thread of `notice`, oldest first (not its diagnosis: `diagnostics.on_notices`).
    static func thread(_ harness: BotHarness, of notice: String) async throws -> [ClientEvent] {
        try await WatcherTests.threadReplies(harness, to: notice).filter {
            $0.sender == harness.botUser && $0.content["body"]?.string?.contains("Checked from my host") != true
        }
    }

    /// Waits (bounded) until the notice's thread has `count` answers from the bot.
    static func waitForThread(_ harness: BotHarness, of notice: String, count: Int) async throws -> [ClientEvent] {
        let deadline = ContinuousClock.now + .seconds(60)
        var found: [ClientEvent] = []
        while ContinuousClock.now < deadline {
            found = try await thread(harness, of: notice)
            if found.count >= count { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        return found
    }

    static func react(_ user: MatrixUser, _ room: String, _ key: String, on event: String) async throws {
        try await user.send(
            room,
            .object([
                "m.relates_to": .object([
                    "rel_type": .string("m.annotation"), "event_id": .string(event), "key": .string(key),
                ])
            ]), type: "m.reaction")
    }

    @Test(
        "B stopped: the notice carries 🔁 👀 🔇; mallory's 🔁 changes nothing; alice's 👀, 🔇 and 🔁 act and answer in the thread; the recovery still edits the notice"
    )
    func buttonsOnARealNotice() async throws {
        try await Lab.with(LabOptions()) { lab in
            let harness = try await BotHarness.make(lab: lab, noticeInterval: "1s")
            defer { harness.cleanUp() }
            // mallory may read the notice room but has no power there.
            try await harness.alice.invite(harness.noticeRoom, lab.info.users.mallory.userID)
            try await harness.mallory.join(harness.noticeRoom)
            let transport = CountingTransport()
            let bot = try await harness.startInProcess(transport: transport)
            let b = lab.info.b.serverName
            try await lab.stopB()
            _ = try await lab.traffic()
            #expect(try await lab.waitFailing(timeout: .seconds(60)).failing)
            let notices = try await WatcherTests.waitFor(harness) { !$0.isEmpty }
            let notice = try #require(notices.first?.eventID)

            // The bot's own buttons, each once.
            var buttons: [String] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                buttons = try await harness.alice.messages(harness.noticeRoom, limit: 200).filter {
                    $0.type == "m.reaction" && $0.sender == harness.botUser
                        && $0.content["m.relates_to"]?["event_id"]?.string == notice
                }.compactMap { $0.content["m.relates_to"]?["key"]?.string }
                if buttons.count >= 3 { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(buttons.sorted() == ["🔁", "👀", "🔇"].sorted())

            // mallory: one refusal in the thread, nothing sent to the admin API but the watcher's reads.
            let adminWritesBefore = transport.paths.filter { $0.hasPrefix("POST") && $0.contains("/_synapse/admin") }
            try await Self.react(harness.mallory, harness.noticeRoom, "🔁", on: notice)
            try await Self.react(harness.mallory, harness.noticeRoom, "🔇", on: notice)
            let refusal = try await Self.waitForThread(harness, of: notice, count: 1)
            try await Task.sleep(for: .seconds(2))
            #expect(try await Self.thread(harness, of: notice).count == 1, "one refusal for two reactions")
            #expect(refusal.first?.content["body"]?.string?.hasPrefix("⛔ Only the bot's operators") == true)
            #expect(
                transport.paths.filter { $0.hasPrefix("POST") && $0.contains("/_synapse/admin") }
                    == adminWritesBefore)

            // alice: 👀, then 🔇: recorded in the incident, answered in the thread.
            try await Self.react(harness.alice, harness.noticeRoom, "👀", on: notice)
            let acknowledged = try await Self.waitForThread(harness, of: notice, count: 2)
            let afterAck = acknowledged.compactMap { $0.content["body"]?.string }
            #expect(afterAck.contains { $0.hasPrefix("👀 \(b) acknowledged by @alice") }, "\(afterAck)")
            try await Self.react(harness.alice, harness.noticeRoom, "🔇", on: notice)
            let muted = try await Self.waitForThread(harness, of: notice, count: 3)
            let afterMute = muted.compactMap { $0.content["body"]?.string }
            #expect(afterMute.contains { $0.hasPrefix("🔇 \(b) muted by @alice") }, "\(afterMute)")
            // A typed reset while B is still down: recorded in the incident with what its re-check found.
            let typed = try await harness.alice.say(harness.adminRoom, "!fed reset \(b)")
            let typedReplies = try await harness.alice.waitForReplies(
                to: typed, from: harness.botUser, in: harness.adminRoom, count: 2)
            #expect(typedReplies.count == 2, "the reset and its re-check")
            let incidents = try await harness.alice.say(harness.adminRoom, "!fed incidents")
            let listed = try await harness.alice.waitForReplies(
                to: incidents, from: harness.botUser, in: harness.adminRoom)
            let text = listed.first?.content["body"]?.string ?? ""
            #expect(text.contains("muted until it recovers by @alice"))
            #expect(text.contains("👀 acknowledged by @alice"))
            #expect(text.contains("🔁 reset by @alice"), "\(text)")
            #expect(text.contains("still failing"), "\(text)")

            // B back, alice taps 🔁: reset, answered in the thread, then the follow-up there too.
            try await lab.startB()
            try await Self.react(harness.alice, harness.noticeRoom, "🔁", on: notice)
            // Refusal, 👀, 🔇, the reset, its re-check and the recovery (muted until recovered: still said).
            let reset = try await Self.waitForThread(harness, of: notice, count: 6)
            let bodies = reset.compactMap { $0.content["body"]?.string }
            #expect(bodies.contains { $0.hasPrefix("🔁 \(b) reset by @alice") }, "\(bodies)")
            // The re-check a few seconds later (B may still be starting: healthy or still failing).
            #expect(
                bodies.contains {
                    $0.hasPrefix("✅ \(b): no failure since the reset") || $0.contains("still failing")
                        || $0.contains("failed again")
                },
                "\(bodies)")

            #expect(bodies.contains { $0.hasPrefix("✅ \(b) recovered after") }, "\(bodies)")
            // Muted until recovered: the recovery still edits the notice.
            let editDeadline = ContinuousClock.now + .seconds(150)
            var edits: [ClientEvent] = []
            while ContinuousClock.now < editDeadline {
                edits = try await WatcherTests.edits(harness, of: notice)
                if !edits.isEmpty { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(edits.first?.content["m.new_content"]?["body"]?.string?.hasPrefix("✅ \(b) recovered after") == true)
            await bot.stop()
        }
    }

    @Test("a bot killed with SIGKILL right after a reaction arrives handles it once after a restart")
    func crashAfterReaction() async throws {
        try await Lab.with(LabOptions()) { lab in
            let harness = try await BotHarness.make(lab: lab, noticeInterval: "1s")
            defer { harness.cleanUp() }
            let first = try harness.spawn(environment: ["FEDBOT_TEST_CRASH_AT": "after-record"])
            try await harness.waitUntilReady()
            try await lab.stopB()
            _ = try await lab.traffic()
            #expect(try await lab.waitFailing(timeout: .seconds(60)).failing)
            let notices = try await WatcherTests.waitFor(harness) { !$0.isEmpty }
            let notice = try #require(notices.first?.eventID)
            try await Self.react(harness.alice, harness.noticeRoom, "👀", on: notice)
            let status = await first.waitForExit(timeout: .seconds(30))
            #expect(status == 9 || first.process.terminationReason == .uncaughtSignal, "\(first.text)")
            #expect(first.text.contains("test crash at after-record"))

            let second = try harness.spawn()
            let answers = try await Self.waitForThread(harness, of: notice, count: 1)
            try await Task.sleep(for: .seconds(3))
            let all = try await Self.thread(harness, of: notice).compactMap { $0.content["body"]?.string }
            #expect(all.count == 1, "\(all)")
            #expect(answers.first?.content["body"]?.string?.contains("acknowledged by @alice") == true)
            second.signal(SIGTERM)
            #expect(await second.waitForExit() == 0)
        }
    }

    @Test(
        "killed at each later step of handling a reaction (answer queued, answer sent), the restarted bot answers once",
        arguments: ["after-complete", "after-send"])
    func crashAtEachStep(point: String) async throws {
        try await Lab.with(LabOptions()) { lab in
            let harness = try await BotHarness.make(lab: lab, noticeInterval: "1s")
            defer { harness.cleanUp() }
            // A first bot posts the notice and its buttons, then stops cleanly: the crashing bot's first
            // completion and first send are then the reaction's answer (`after-send` would otherwise fire
            // on the notice itself).
            let first = try harness.spawn()
            try await harness.waitUntilReady()
            try await lab.stopB()
            _ = try await lab.traffic()
            #expect(try await lab.waitFailing(timeout: .seconds(60)).failing)
            let notices = try await WatcherTests.waitFor(harness) { !$0.isEmpty }
            let notice = try #require(notices.first?.eventID)
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let buttons = try await harness.alice.messages(harness.noticeRoom, limit: 200).filter {
                    $0.type == "m.reaction" && $0.sender == harness.botUser
                        && $0.content["m.relates_to"]?["event_id"]?.string == notice
                }
                if buttons.count >= 3 { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            first.signal(SIGTERM)
            #expect(await first.waitForExit() == 0)

            let crashing = try harness.spawn(environment: ["FEDBOT_TEST_CRASH_AT": point])
            try await harness.waitUntilReady()
            try await Self.react(harness.alice, harness.noticeRoom, "👀", on: notice)
            let status = await crashing.waitForExit(timeout: .seconds(30))
            #expect(status == 9 || crashing.process.terminationReason == .uncaughtSignal, "\(crashing.text)")
            #expect(crashing.text.contains("test crash at \(point)"))

            let last = try harness.spawn()
            let answers = try await Self.waitForThread(harness, of: notice, count: 1)
            try await Task.sleep(for: .seconds(3))
            let all = try await Self.thread(harness, of: notice).compactMap { $0.content["body"]?.string }
            #expect(all.count == 1, "\(point): \(all)")
            #expect(answers.first?.content["body"]?.string?.contains("acknowledged by @alice") == true)
            last.signal(SIGTERM)
            #expect(await last.waitForExit() == 0)
        }
    }

    @Test("`reset --failing` of 7 asks first; another operator's ✅ does not confirm, the requester's does")
    func bulkResetConfirmation() async throws {
        try await Lab.with(LabOptions(synthetic: 10, syntheticFailing: 7)) { lab in
            let users = lab.info.users
            let harness = try await BotHarness.make(lab: lab, operators: [users.alice.userID, users.mallory.userID])
            defer { harness.cleanUp() }
            let bot = try await harness.startInProcess()
            try await harness.waitUntilReady()
            let ask = try await harness.alice.say(harness.adminRoom, "!fed reset --failing")
            let prompts = try await harness.alice.waitForReplies(
                to: ask, from: harness.botUser, in: harness.adminRoom)
            let prompt = try #require(prompts.first)
            #expect(
                prompt.content["body"]?.string
                    == "Reset 7 servers? React ✅ within 2 minutes (only \(users.alice.userID)'s ✅ counts).")
            let promptID = try #require(prompt.eventID)

            try await Self.react(harness.mallory, harness.adminRoom, "✅", on: promptID)
            try await Task.sleep(for: .seconds(3))
            #expect(
                try await harness.alice.replies(to: promptID, from: harness.botUser, in: harness.adminRoom).isEmpty,
                "mallory's ✅ confirms nothing")

            try await Self.react(harness.alice, harness.adminRoom, "✅", on: promptID)
            let summary = try await harness.alice.waitForReplies(
                to: promptID, from: harness.botUser, in: harness.adminRoom, settle: .seconds(2))
            #expect(summary.count == 1)
            let body = summary.first?.content["body"]?.string ?? ""
            #expect(body.hasPrefix("🔁 Reset 7 servers by \(users.alice.userID): "), "\(body)")
            await bot.stop()
        }
    }

    @Test("reminders every 2 s for a real failure stop after alice's 👀")
    func acknowledgeStopsReminders() async throws {
        try await Lab.with(LabOptions()) { lab in
            let harness = try await BotHarness.make(
                lab: lab, noticeInterval: "1s", noticeOptions: "  remind_every: 2s\n")
            defer { harness.cleanUp() }
            let bot = try await harness.startInProcess()
            try await lab.stopB()
            _ = try await lab.traffic()
            #expect(try await lab.waitFailing(timeout: .seconds(60)).failing)
            let notices = try await WatcherTests.waitFor(harness) { !$0.isEmpty }
            let notice = try #require(notices.first?.eventID)
            let reminded = try await Self.waitForThread(harness, of: notice, count: 1)
            #expect(reminded.first?.content["body"]?.string?.hasPrefix("⏰ ") == true, "reminders come")

            try await Self.react(harness.alice, harness.noticeRoom, "👀", on: notice)
            let deadline = ContinuousClock.now + .seconds(30)
            var answered = false
            while !answered, ContinuousClock.now < deadline {
                answered = try await Self.thread(harness, of: notice).contains {
                    $0.content["body"]?.string?.hasPrefix("👀 ") == true
                }
                if !answered { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(answered)
            // A poll already under way may still remind once; after that, none for three intervals.
            try await Task.sleep(for: .seconds(2))
            let before = try await Self.thread(harness, of: notice).count
            try await Task.sleep(for: .seconds(6))
            let after = try await Self.thread(harness, of: notice)
            #expect(after.count == before, "\(after.compactMap { $0.content["body"]?.string })")
            await bot.stop()
        }
    }
}
