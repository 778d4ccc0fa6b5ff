import FedBotCore
import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import Testing

/// Issue 18's checks against the real lab: probes with the real check engine (B's federation listener has a
/// certificate from the lab CA), B stopped while nothing is sent to it.
@Suite("Active probes", .serialized)
struct ProbeTests {
    @Test(
        "B stopped while nothing is sent: a probe notice within interval × failures + interval, Synapse silent; traffic afterwards joins the same notice"
    )
    func probeNoticeBeforeSynapse() async throws {
        try await Lab.with(LabOptions(internet: true)) { lab in
            let internet = try #require(lab.info.internet)
            let b = lab.info.b.serverName
            let interval = Duration.seconds(10)
            let failures = 2
            let harness = try await BotHarness.make(
                lab: lab,
                configExtra: """
                    diagnostics:
                      ca_file: "\(internet.caFile)"
                      timeout: 2s
                      allow_ranges: ["127.0.0.0/8"]
                    probes:
                      servers: ["\(b)"]
                      interval: 10s
                      failures: \(failures)
                    """, noticeInterval: "1s")
            defer { harness.cleanUp() }
            let bot = try await harness.startInProcess()
            // B answers: the first probe is green and nothing is announced.
            try await Task.sleep(for: .seconds(4))
            #expect(try await WatcherTests.notices(harness).isEmpty)
            let listing = try await harness.alice.say(harness.adminRoom, "!fed probes")
            let probes = try await harness.alice.waitForReplies(
                to: listing, from: harness.botUser, in: harness.adminRoom, count: 1, settle: .seconds(1))
            #expect(probes.first?.content["body"]?.string?.contains("🟢 \(b)") == true, "\(probes)")

            try await lab.stopB()
            let stopped = ContinuousClock.now
            let limit = interval * (failures + 1) + .seconds(5)
            let notices = try await WatcherTests.waitFor(harness, timeout: limit) { !$0.isEmpty }
            let latency = ContinuousClock.now - stopped
            try #require(notices.count == 1, "no probe notice within \(limit)")
            let body = try #require(notices[0].content["body"]?.string)
            #expect(body.hasPrefix("⚠️ \(b) not answering federation (probe: "), "\(body)")
            #expect(body.contains("Synapse has not noticed yet"))
            print("probe notice \(latency) after B stopped (interval 10s, failures 2)")
            let rows = try await lab.sqlRows("SELECT failure_ts FROM destinations WHERE destination = '\(b)'")
            #expect(rows.allSatisfy { ($0["failure_ts"] ?? nil) == nil }, "Synapse recorded no failure: \(rows)")

            // Traffic: Synapse fails too; the same notice is edited, no second one.
            _ = try await lab.traffic()
            let failed = try await lab.waitFailing(timeout: .seconds(60))
            #expect(failed.failing)
            let notice = try #require(notices[0].eventID)
            let deadline = ContinuousClock.now + .seconds(30)
            var edits: [ClientEvent] = []
            while ContinuousClock.now < deadline, edits.isEmpty {
                edits = try await WatcherTests.edits(harness, of: notice)
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(edits.count == 1)
            #expect(
                edits.first?.content["m.new_content"]?["body"]?.string?.contains("Synapse fails too since") == true)
            try await Task.sleep(for: .seconds(3))
            #expect(try await WatcherTests.notices(harness).count == 1)
            await bot.stop()
        }
    }
}

/// `probes.auto_reset`: B back while A holds it in backoff.
@Suite("Auto-reset", .serialized)
struct AutoResetTests {
    /// A's `last_successful_stream_ordering` for B (0 when none).
    static func delivered(_ lab: Lab) async throws -> Int64 {
        let b = lab.info.b.serverName
        let rows = try await lab.sqlRows(
            "SELECT last_successful_stream_ordering AS o FROM destinations WHERE destination = '\(b)'")
        return rows.first.flatMap { $0["o"] ?? nil }.flatMap { Int64($0) } ?? 0
    }

    /// Stops B, makes A fail and queue a message for it, starts B again; returns how long after B answers
    /// again A delivered the queued message (nil when not within `limit`).
    static func backAfterBackoff(_ lab: Lab, limit: Duration) async throws -> Duration? {
        try await lab.stopB()
        _ = try await lab.traffic()
        #expect(try await lab.waitFailing(timeout: .seconds(60)).failing)
        _ = try await lab.traffic()  // queued while B is down
        let before = try await delivered(lab)
        try await lab.startB()
        let back = ContinuousClock.now
        print("  B answers again at +\(Int64(Date().timeIntervalSince1970 * 1000)) ms (epoch)")
        while ContinuousClock.now - back < limit {
            if try await delivered(lab) > before { return ContinuousClock.now - back }
            try await Task.sleep(for: .milliseconds(250))
        }
        return nil
    }

    @Test("auto_reset: the queued message reaches B within one probe interval; without it, Synapse's backoff decides")
    func queuedMessageFlows() async throws {
        try await Lab.with(LabOptions(internet: true)) { lab in
            let internet = try #require(lab.info.internet)
            let b = lab.info.b.serverName
            let harness = try await BotHarness.make(
                lab: lab,
                configExtra: """
                    diagnostics:
                      ca_file: "\(internet.caFile)"
                      timeout: 2s
                      allow_ranges: ["127.0.0.0/8"]
                    probes:
                      servers: ["\(b)"]
                      interval: 10s
                      failures: 2
                      auto_reset: true
                    """, noticeInterval: "1s")
            defer { harness.cleanUp() }
            let bot = try await harness.startInProcess()
            let startedAt = Date()
            let withReset = try await Self.backAfterBackoff(lab, limit: .seconds(60))
            // The timeline, for the report: what the bot said and when (ms since the phase began).
            for event in try await harness.alice.messages(harness.noticeRoom, limit: 50).reversed()
            where event.sender == harness.botUser {
                let at = (event.originServerTs ?? 0) - Int64(startedAt.timeIntervalSince1970 * 1000)
                print("  +\(at) ms: \(event.content["body"]?.string?.prefix(100) ?? "")")
            }
            print(
                "auto_reset on: queued message delivered \(withReset.map { "\($0)" } ?? "not within 60 s") after B answered"
            )
            // Within one probe interval (10 s; B failed for less than probes' slow-down hour), plus the
            // watcher's 1 s poll and the delivery.
            #expect(withReset.map { $0 <= .seconds(15) } == true)
            await bot.stop()

            // The same without the bot: only Synapse's own retry schedule.
            let without = try await Self.backAfterBackoff(lab, limit: .seconds(90))
            print(
                "auto_reset off: queued message delivered \(without.map { "\($0)" } ?? "not within 90 s") after B answered"
            )
        }
    }
}
