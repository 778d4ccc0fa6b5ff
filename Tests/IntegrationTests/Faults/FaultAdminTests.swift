import FedBotLab
import FedBotModels
import Foundation
import Testing

/// Issue 16: the fault tier's faults on the admin API (`admin_api.url`), which a command and the watcher's
/// polls use. Under each: the command is answered once, with its normal reply or one clear line (no raw
/// error text); the watcher, with an incident open (the lab's failing synthetic destination), posts no
/// notice and no edit because of the garbage (no false failure, no false recovery);
/// SIGTERM during the fault ends the process within 10 s; once the fault ends the bot answers normally and
/// the command left before SIGTERM is answered once.
@Suite("Fault tier: the admin API behind a faulty proxy")
struct FaultAdminTests {
    @Test("one clear answer per command, no notice from garbage, SIGTERM within 10 s", arguments: FaultCase.admin)
    func adminFault(_ c: FaultCase) async throws {
        try await FaultTier.shared.run { lab in
            let proxy = try await FaultProxy.start(upstream: lab.info.a.clientURL, directory: lab.directory)
            do {
                try await Self.check(c, lab: lab, proxy: proxy)
            } catch {
                await proxy.stop()
                throw error
            }
            await proxy.stop()
        }
    }

    /// Words that only raw error values put in a reply (Swift type names, NIO and decoder dumps).
    static let rawMarkers = [
        "HTTPClientError", "NIO", "IOError", "errno", "DecodingError", "codingPath", "Context(", "Optional(", "Swift.",
    ]

    static func check(_ c: FaultCase, lab: Lab, proxy: FaultProxy) async throws {
        let bot = try await FaultBot.make(
            lab: lab, proxy: proxy, name: "admin-" + c.name.filter(\.isLetter).lowercased(), notices: true)
        defer { bot.cleanUp() }
        let noticeRoom = try #require(bot.noticeRoom)
        var process = try await bot.spawn()
        let firstRun = process
        // The watcher has polled and announced the lab's failing synthetic destination (an open incident)
        // before the fault: what it posted so far is not counted.
        #expect(await waitForPolls(bot, count: 2, timeout: .seconds(30)), "\(c): the watcher did not poll")
        let deadline = ContinuousClock.now + .seconds(30)
        while try await botMessages(bot, in: noticeRoom) == 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
        }
        try await Task.sleep(for: .seconds(2))
        let noticesBefore = try await botMessages(bot, in: noticeRoom)
        #expect(noticesBefore >= 1, "\(c): no notice about the failing synthetic destination before the fault")

        // 1. A command during the fault: one answer, its normal reply or one clear line.
        let faultedBefore = try await proxy.stats().faulted
        try await proxy.set(c.fault, method: c.method, path: c.path)
        let first = try await bot.alice.say(bot.room, "!fed list")
        #expect(
            await FaultTests.waitFaulted(bot, above: faultedBefore, timeout: .seconds(15)), "\(c): no request met it")
        let during = try await answer(bot, to: first, timeout: .seconds(150))
        #expect(during.count == 1, "\(c): \(during.count) answers during the fault")
        if let text = during.first {
            let clear =
                text.hasPrefix("Federation:")
                || (text.hasPrefix("⚠️ Could not list destinations: ") && !text.contains("\n"))
            #expect(clear, "\(c): not a clear answer: \(text)")
            #expect(!Self.rawMarkers.contains { text.contains($0) }, "\(c): raw error text: \(text)")
        }

        // 2. SIGTERM while the fault is active (a command in flight): exit 0 within 10 s.
        let second = try await bot.alice.say(bot.room, "!fed list")
        try await Task.sleep(for: .seconds(1.5))
        let (status, took) = await process.terminate(limit: .seconds(10))
        #expect(status == 0, "\(c): SIGTERM during the fault: exit \(status.map(String.init) ?? "none, killed")")
        #expect(took < .seconds(10), "\(c): SIGTERM during the fault took \(took)")
        try await proxy.clear()

        // 3. After the fault: the next run answers normally; nothing answered twice, nothing left out.
        process = try await bot.spawn()
        let third = try await bot.alice.say(bot.room, "!fed list")
        let after = try await answer(bot, to: third, timeout: .seconds(30))
        #expect(after.count == 1 && after.first?.hasPrefix("Federation:") == true, "\(c): after the fault: \(after)")
        let secondAnswers = try await answer(bot, to: second, timeout: .seconds(30))
        #expect(secondAnswers.count == 1, "\(c): the command sent before SIGTERM got \(secondAnswers.count) answers")
        #expect(try await answer(bot, to: first, timeout: .seconds(1)).count == 1, "\(c): the first one twice")
        // A few polls after the fault: still no notice and no edit caused by it.
        #expect(await waitForPolls(bot, count: 3, timeout: .seconds(30)), "\(c): the watcher did not poll again")
        let noticesAfter = try await botMessages(bot, in: noticeRoom)
        #expect(
            noticesAfter == noticesBefore, "\(c): notices during or after the fault: \(noticesAfter - noticesBefore)")
        let (lastStatus, lastTook) = await process.terminate(limit: .seconds(10))
        #expect(lastStatus == 0, "\(c): SIGTERM without a fault: exit \(lastStatus.map(String.init) ?? "none")")
        let stats = try await proxy.stats()
        if status != 0 || during.count != 1 || after.count != 1 {
            print("fault-tier | \(c) | bot output (first run):\n\(firstRun.text.suffix(3000))")
        }
        print(
            "fault-tier | \(c) | answer during: \(during.first?.prefix(160) ?? "none") | SIGTERM during fault: exit "
                + "\(status.map(String.init) ?? "killed") in \(FaultTests.seconds(took)) | after: "
                + "\(FaultTests.seconds(lastTook)) | notices \(noticesBefore) → \(noticesAfter) | proxy: "
                + "\(stats.requests) requests, \(stats.faulted) faulted")
    }

    /// The bodies of the bot's replies to `eventID`, after waiting (bounded) for the first and 2 s more.
    static func answer(_ bot: FaultBot, to eventID: String, timeout: Duration) async throws -> [String] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await bot.replies(to: eventID) > 0 {
                try await Task.sleep(for: .seconds(2))
                break
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        return try await bot.alice.replies(to: eventID, from: bot.botUser, in: bot.room).compactMap {
            $0.content["body"]?.string
        }
    }

    /// The bot's events in `room` (notices and their edits).
    static func botMessages(_ bot: FaultBot, in room: String) async throws -> Int {
        try await bot.alice.messages(room).filter { $0.sender == bot.botUser && $0.type == "m.room.message" }.count
    }

    /// Waits (bounded) until `count` more watcher polls (the failing-first list) went through the proxy
    /// unfaulted. The proxy's log keeps the last 500 requests: they are numbered to count only new ones.
    static func waitForPolls(_ bot: FaultBot, count: Int, timeout: Duration) async -> Bool {
        guard let startedAt = try? await bot.proxy.stats().requests else { return false }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let stats = try? await bot.proxy.stats() {
                let first = stats.requests - stats.log.count + 1
                let polls = stats.log.enumerated().filter { index, request in
                    first + index > startedAt && request.path.hasPrefix("/_synapse/admin/v1/federation/destinations?")
                        && request.fault == nil && request.status == 200
                }
                if polls.count >= count { return true }
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return false
    }
}
