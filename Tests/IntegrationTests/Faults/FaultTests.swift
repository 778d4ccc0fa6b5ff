import FedBotLab
import Foundation
import Testing

/// Issue 16, item 5: the real `fedbot run` behind a fault-injection proxy (docs/LAB.md, "Fault tier"). Under each
/// fault, on /sync or on the reply's PUT: once the fault ends the bot answers, exactly once; SIGTERM sent while the
/// fault is active ends the process within 10 s with exit 0, and the command it had not answered is answered,
/// once, by the next run.
@Suite("Fault tier: the bot behind a faulty proxy")
struct FaultTests {
    @Test("after the fault one reply; SIGTERM during it exits 0 within 10 s", arguments: FaultCase.all)
    func fault(_ c: FaultCase) async throws {
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

    static func check(_ c: FaultCase, lab: Lab, proxy: FaultProxy) async throws {
        let clock = ContinuousClock()
        let bot = try await FaultBot.make(
            lab: lab, proxy: proxy, name: c.target.rawValue + "-" + c.name.filter(\.isLetter).lowercased())
        defer { bot.cleanUp() }
        let firstRun = try await bot.spawn()
        var process = firstRun

        // 1. A command during the fault is answered once the fault ends, exactly once.
        let first = try await underFault(c, bot)
        try await proxy.clear()
        let cleared = clock.now
        let firstReplies = try await waitForReplies(bot, to: first, timeout: c.replyTimeout)
        let replyTime = clock.now - cleared
        #expect(firstReplies == 1, "\(c): \(firstReplies) replies \(replyTime) after the fault ended")

        // 2. SIGTERM while the fault is active: exit 0 within 10 s.
        let second = try await underFault(c, bot)
        let (status, took) = await process.terminate(limit: .seconds(10))
        #expect(status == 0, "\(c): SIGTERM during the fault: exit \(status.map(String.init) ?? "none, killed")")
        #expect(took < .seconds(10), "\(c): SIGTERM during the fault took \(took)")
        try await proxy.clear()

        // 3. The next run answers what the stopped one had not, once; nothing is answered twice.
        process = try await bot.spawn()
        let secondReplies = try await waitForReplies(bot, to: second, timeout: .seconds(30))
        let firstAgain = try await bot.replies(to: first)
        #expect(secondReplies == 1, "\(c): the command sent before SIGTERM got \(secondReplies) replies")
        #expect(firstAgain == 1, "\(c): the first command has \(firstAgain) replies after a restart")
        let (lastStatus, lastTook) = await process.terminate(limit: .seconds(10))
        let stats = try await proxy.stats()
        // The fault is on for ~10 s in all: a bot that backs off makes tens of requests, not thousands.
        #expect(stats.faulted <= 100, "\(c): \(stats.faulted) requests met the fault: retried without backing off")
        #expect(lastStatus == 0, "\(c): SIGTERM without a fault: exit \(lastStatus.map(String.init) ?? "none")")
        if !(firstReplies == 1 && secondReplies == 1 && firstAgain == 1 && status == 0) {
            print("fault-tier | \(c) | bot output (first run):\n\(firstRun.text.suffix(3000))")
            print("fault-tier | \(c) | bot output (second run):\n\(process.text.suffix(2000))")
        }
        print(
            "fault-tier | \(c) | replies \(firstReplies) (\(seconds(replyTime)) after clear), \(secondReplies), "
                + "\(firstAgain) | SIGTERM during fault: exit \(status.map(String.init) ?? "killed") in \(seconds(took))"
                + " | SIGTERM after: \(seconds(lastTook)) | proxy: \(stats.requests) requests, \(stats.faulted) faulted"
        )
    }

    /// Sets the fault, sends `!fed list` as alice and waits (bounded) until the fault has hit the bot's requests.
    static func underFault(_ c: FaultCase, _ bot: FaultBot) async throws -> String {
        // Counted before the fault is set: a request may meet it at once.
        let faultedBefore = try await bot.proxy.stats().faulted
        try await bot.proxy.set(c.fault, method: c.method, path: c.path)
        if c.target == .sync {
            // The long-poll under way was forwarded before the fault: a message ends it, and the next sync meets it.
            let before = faultedBefore
            try await bot.alice.say(bot.room, "nudge")
            #expect(await waitFaulted(bot, above: before, timeout: .seconds(15)), "\(c): no /sync met the fault")
        }
        let before = try await bot.proxy.stats().faulted
        let event = try await bot.alice.say(bot.room, "!fed list")
        if c.target == .send {
            #expect(await waitFaulted(bot, above: before, timeout: .seconds(15)), "\(c): no reply met the fault")
        }
        try await Task.sleep(for: .seconds(1.5))
        return event
    }

    static func waitFaulted(_ bot: FaultBot, above count: Int, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let stats = try? await bot.proxy.stats(), stats.faulted > count { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Waits (bounded) for a first reply to `eventID`, then 2 s more to catch a duplicate; the count.
    static func waitForReplies(_ bot: FaultBot, to eventID: String, timeout: Duration) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await bot.replies(to: eventID) > 0 {
                try await Task.sleep(for: .seconds(2))
                break
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        return try await bot.replies(to: eventID)
    }

    static func seconds(_ d: Duration) -> String {
        String(format: "%.1fs", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }
}
