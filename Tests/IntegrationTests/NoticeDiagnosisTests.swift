import FedBotCore
import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import Testing

/// Issue 14, item 6: a real failure's notice gets the bot's own check in its thread.
@Suite(.serialized) struct NoticeDiagnosisTests {
    @Test("B stopped (lab CA, small internet): the notice's first thread reply says connection refused, once")
    func refusedOnNotice() async throws {
        try await Lab.with(LabOptions(internet: true)) { lab in
            let internet = try #require(lab.info.internet)
            let harness = try await BotHarness.make(
                lab: lab, configExtra: CheckTests.diagnostics(internet), noticeInterval: "1s")
            defer { harness.cleanUp() }
            let bot = try await harness.startInProcess()
            let b = lab.info.b.serverName
            // B answers with the lab CA's certificate: green before it stops.
            let green = try await harness.alice.say(harness.adminRoom, "!fed check \(b)")
            let answer = try await harness.alice.waitForReplies(
                to: green, from: harness.botUser, in: harness.adminRoom, count: 1)
            #expect(answer.first?.content["body"]?.string?.hasPrefix("🟢 \(b)") == true, "\(answer)")

            try await lab.stopB()
            _ = try await lab.traffic()
            #expect(try await lab.waitFailing(timeout: .seconds(60)).failing)
            let notices = try await WatcherTests.waitFor(harness) { !$0.isEmpty }
            try #require(notices.count == 1)
            let notice = try #require(notices[0].eventID)
            let deadline = ContinuousClock.now + .seconds(30)
            var replies: [ClientEvent] = []
            while ContinuousClock.now < deadline {
                replies = try await WatcherTests.threadReplies(harness, to: notice)
                if !replies.isEmpty { break }
                try await Task.sleep(for: .milliseconds(300))
            }
            try #require(replies.count == 1)
            let body = try #require(replies[0].content["body"]?.string)
            #expect(body.hasPrefix("🔴 \(b): connection refused"), "\(body)")
            #expect(body.contains("Contact: "))
            #expect(!body.contains("this homeserver's network"))
            // Later polls post no second diagnosis.
            try await Task.sleep(for: .seconds(3))
            #expect(try await WatcherTests.threadReplies(harness, to: notice).count == 1)
            await bot.stop()
        }
    }
}
