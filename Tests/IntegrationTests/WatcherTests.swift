import FedBotCore
import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import Testing

/// Issue 5's checks: notices in a real notice room, from real federation failures.
@Suite("Federation notices", .serialized)
struct WatcherTests {
    /// The bot's messages in the notice room that are not edits, oldest first.
    static func notices(_ harness: BotHarness) async throws -> [ClientEvent] {
        try await harness.alice.messages(harness.noticeRoom, limit: 200).filter { event in
            event.sender == harness.botUser && event.type == "m.room.message"
                && event.content["m.relates_to"]?["rel_type"]?.string != "m.replace"
                && event.content["m.relates_to"]?["rel_type"]?.string != "m.thread"
        }
    }

    static func edits(_ harness: BotHarness, of eventID: String) async throws -> [ClientEvent] {
        try await harness.alice.messages(harness.noticeRoom, limit: 200).filter {
            $0.content["m.relates_to"]?["rel_type"]?.string == "m.replace"
                && $0.content["m.relates_to"]?["event_id"]?.string == eventID
        }
    }

    static func threadReplies(_ harness: BotHarness, to eventID: String) async throws -> [ClientEvent] {
        try await harness.alice.messages(harness.noticeRoom, limit: 200).filter {
            $0.content["m.relates_to"]?["rel_type"]?.string == "m.thread"
                && $0.content["m.relates_to"]?["event_id"]?.string == eventID
        }
    }

    /// Polls (bounded) until `condition` holds for the notices.
    static func waitFor(
        _ harness: BotHarness, timeout: Duration = .seconds(30), _ condition: ([ClientEvent]) -> Bool
    ) async throws -> [ClientEvent] {
        let deadline = ContinuousClock.now + timeout
        var last: [ClientEvent] = []
        while ContinuousClock.now < deadline {
            last = try await notices(harness)
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(200))
        }
        return last
    }

    @Test(
        "B fails for real: one notice within a poll; B back and reset: notice edited, recovery in thread",
        arguments: LabDatabase.allCases)
    func failureAndRecovery(db: LabDatabase) async throws {
        try await Lab.with(LabOptions(db: db)) { lab in
            let harness = try await BotHarness.make(lab: lab, noticeInterval: "1s")
            defer { harness.cleanUp() }
            let bot = try await harness.startInProcess()
            let b = lab.info.b.serverName
            // Nothing fails: the baseline is quiet.
            try await Task.sleep(for: .seconds(2))
            #expect(try await Self.notices(harness).isEmpty)

            try await lab.stopB()
            _ = try await lab.traffic()
            let failed = try await lab.waitFailing(timeout: .seconds(60))
            #expect(failed.failing)
            let recordedAt = ContinuousClock.now
            let notices = try await Self.waitFor(harness) { !$0.isEmpty }
            let noticeLatency = ContinuousClock.now - recordedAt
            try #require(notices.count == 1)
            #expect(noticeLatency < .seconds(4), "within one poll interval (1 s) plus delivery: \(noticeLatency)")
            let body = try #require(notices[0].content["body"]?.string)
            #expect(body.hasPrefix("⚠️ \(b) unreachable since "))
            #expect(body.contains("1 shared room"))
            #expect(body.contains("!fed reset \(b)"))

            try await lab.startB()
            let reset = try await harness.alice.say(harness.adminRoom, "!fed reset \(b)")
            // The reply, then the follow-up a few seconds later with the re-checked state.
            let resetReplies = try await harness.alice.waitForReplies(
                to: reset, from: harness.botUser, in: harness.adminRoom, count: 2, settle: .seconds(1))
            #expect(resetReplies.count == 2)
            #expect(resetReplies.first?.content["body"]?.string?.hasPrefix("🔄 Reset \(b)") == true)
            #expect(resetReplies.last?.content["body"]?.string?.hasPrefix("✅ \(b): no failure since the reset") == true)
            let notice = try #require(notices[0].eventID)
            let deadline = ContinuousClock.now + .seconds(60)
            var edits: [ClientEvent] = []
            var replies: [ClientEvent] = []
            while ContinuousClock.now < deadline {
                edits = try await Self.edits(harness, of: notice)
                replies = try await Self.threadReplies(harness, to: notice)
                if !edits.isEmpty && replies.count >= 2 { break }
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(edits.count == 1)
            #expect(edits.first?.content["m.new_content"]?["body"]?.string?.hasPrefix("✅ \(b) recovered after") == true)
            // The thread: the diagnosis (diagnostics.on_notices, B stopped: connection refused), then the recovery.
            let recoveries = replies.filter { $0.content["body"]?.string?.hasPrefix("✅ ") == true }
            #expect(recoveries.count == 1)
            #expect(recoveries.first?.content["body"]?.string?.hasPrefix("✅ \(b) recovered after") == true)
            #expect(
                replies.filter { $0.content["body"]?.string?.hasPrefix("🔴 \(b): connection refused") == true }.count
                    == 1)
            #expect(replies.count == 2)
            #expect(try await Self.notices(harness).count == 1)
            await bot.stop()
        }
    }

    @Test(
        "50 destinations already failing at the first start: one baseline notice; 30 more failing in one poll: one grouped notice"
    )
    func baselineAndGroup() async throws {
        try await Lab.with(LabOptions(synthetic: 60, syntheticFailing: 50)) { lab in
            let harness = try await BotHarness.make(lab: lab, noticeInterval: "1s")
            defer { harness.cleanUp() }
            let bot = try await harness.startInProcess()
            let baseline = try await Self.waitFor(harness) { !$0.isEmpty }
            try #require(baseline.count == 1)
            #expect(
                baseline[0].content["body"]?.string?.hasPrefix("ℹ️ Watching federation: 50 servers are already failing")
                    == true)

            _ = try await lab.insertDestinations(count: 30, failing: 30, prefix: "burst-", rooms: 1)
            let after = try await Self.waitFor(harness) { $0.count >= 2 }
            try await Task.sleep(for: .seconds(3))
            let all = try await Self.notices(harness)
            #expect(all.count == 2, "one baseline and one grouped notice")
            #expect(
                after.count >= 2
                    && after[1].content["body"]?.string?.hasPrefix("⚠️ 30 servers unreachable since") == true)
            // Its diagnosis: 5 verdicts, the rest counted; every name fails at DNS (the harness's resolver on
            // loopback answers nothing), so the bot suspects its own side.
            let group = try #require(after.count >= 2 ? after[1].eventID : nil)
            let deadline = ContinuousClock.now + .seconds(30)
            var diagnosis: [ClientEvent] = []
            while ContinuousClock.now < deadline {
                diagnosis = try await Self.threadReplies(harness, to: group)
                if !diagnosis.isEmpty { break }
                try await Task.sleep(for: .milliseconds(300))
            }
            let body = try #require(diagnosis.first?.content["body"]?.string)
            #expect(body.components(separatedBy: "\n").filter { $0.hasPrefix("🔴 burst-") }.count == 5, "\(body)")
            #expect(body.contains("… and 25 more: !fed check SERVER"))
            #expect(body.contains("this homeserver's network may be the problem"))
            await bot.stop()
        }
    }

    @Test(
        "a notice room the bot is not in yet: nothing is decided until it is invited, then the baseline is posted there"
    )
    func noticeRoomJoinedLater() async throws {
        try await Lab.with(LabOptions(synthetic: 10, syntheticFailing: 5)) { lab in
            let harness = try await BotHarness.make(lab: lab)
            defer { harness.cleanUp() }
            let alerts = try await harness.alice.createRoom(name: "late alerts", invite: [])
            try harness.writeConfig(
                extra: "notices:\n  rooms: [\"\(alerts)\"]\n  interval: 1s", operators: [lab.info.users.alice.userID])
            let bot = try await harness.startInProcess()
            try await Task.sleep(for: .seconds(3))  // several polls
            #expect(try await BotStore(path: harness.storePath).watcherState().baselineTaken == false)

            try await harness.alice.invite(alerts, harness.botUser)
            let deadline = ContinuousClock.now + .seconds(30)
            var baseline: [ClientEvent] = []
            while ContinuousClock.now < deadline, baseline.isEmpty {
                baseline = try await harness.alice.messages(alerts).filter {
                    $0.sender == harness.botUser && $0.type == "m.room.message"
                }
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(baseline.count == 1)
            #expect(
                baseline.first?.content["body"]?.string?.hasPrefix(
                    "ℹ️ Watching federation: 5 servers are already failing")
                    == true)
            await bot.stop()
        }
    }

    @Test("a muted destination stays silent until its mute ends")
    func mute() async throws {
        try await Lab.with(LabOptions()) { lab in
            let harness = try await BotHarness.make(lab: lab, noticeInterval: "1s")
            defer { harness.cleanUp() }
            let bot = try await harness.startInProcess()
            let b = lab.info.b.serverName
            let mute = try await harness.alice.say(harness.adminRoom, "!fed mute \(b) 8s")
            let muted = try await harness.alice.waitForReplies(to: mute, from: harness.botUser, in: harness.adminRoom)
            #expect(muted.first?.content["body"]?.string?.hasPrefix("🔕 Muted \(b) until") == true)
            let mutedAt = ContinuousClock.now

            try await lab.stopB()
            _ = try await lab.traffic()
            _ = try await lab.waitFailing(timeout: .seconds(60))
            try await Task.sleep(for: .seconds(2))  // a poll sees it
            let incidents = try await harness.alice.say(harness.adminRoom, "!fed incidents")
            let listed = try await harness.alice.waitForReplies(
                to: incidents, from: harness.botUser, in: harness.adminRoom)
            #expect(listed.first?.content["body"]?.string?.contains("muted until") == true)
            // Silent while muted…
            while ContinuousClock.now - mutedAt < .seconds(7) {
                #expect(try await Self.notices(harness).isEmpty)
                try await Task.sleep(for: .milliseconds(500))
            }
            // …announced once the mute is over.
            let notices = try await Self.waitFor(harness, timeout: .seconds(20)) { !$0.isEmpty }
            #expect(notices.count == 1)
            #expect(notices.first?.content["body"]?.string?.hasPrefix("⚠️ \(b) unreachable since") == true)
            await bot.stop()
        }
    }

    @Test(
        "killed right after a failure is detected (or after the notice went out), the restarted bot posts exactly one notice",
        arguments: ["after-watcher-commit", "after-send"])
    func crashExactlyOnce(point: String) async throws {
        try await Lab.with(LabOptions()) { lab in
            let harness = try await BotHarness.make(lab: lab, noticeInterval: "1s")
            defer { harness.cleanUp() }
            let first = try harness.spawn(environment: ["FEDBOT_TEST_CRASH_AT": point])
            try await harness.waitUntilReady()
            try await Task.sleep(for: .seconds(2))  // the quiet baseline
            try await lab.stopB()
            _ = try await lab.traffic()
            _ = try await lab.waitFailing(timeout: .seconds(60))
            _ = await first.waitForExit(timeout: .seconds(30))
            #expect(first.text.contains("test crash at \(point)"))

            let second = try harness.spawn()
            let notices = try await Self.waitFor(harness) { !$0.isEmpty }
            try await Task.sleep(for: .seconds(4))
            #expect(try await Self.notices(harness).count == 1, "\(point)")
            #expect(notices.first?.content["body"]?.string?.hasPrefix("⚠️ \(lab.info.b.serverName) unreachable") == true)
            second.signal(SIGTERM)
            #expect(await second.waitForExit() == 0)
        }
    }
}
