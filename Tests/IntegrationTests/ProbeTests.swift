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
