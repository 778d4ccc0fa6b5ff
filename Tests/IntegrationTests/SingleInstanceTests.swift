import FedBotLab
import Foundation
import Testing

/// A rolling update that starts the new bot before the old one stopped: the second one must not run.
@Suite(.serialized) struct SingleInstanceTests {
    @Test("a second fedbot run on the same state file exits at once with one line; the first answers once")
    func secondBotOnTheSameStateExits() async throws {
        try await Lab.with(LabOptions()) { lab in
            let harness = try await BotHarness.make(lab: lab)
            defer { harness.cleanUp() }
            let first = try harness.spawn()
            try await harness.waitUntilReady()
            let second = try harness.spawn()
            #expect(await second.waitForExit(timeout: .seconds(10)) == 1, "\(second.text)")
            #expect(second.text.contains("another fedbot is already running with the state file"), "\(second.text)")

            let event = try await harness.alice.say(harness.adminRoom, "!fed list")
            let replies = try await harness.alice.waitForReplies(
                to: event, from: harness.botUser, in: harness.adminRoom, settle: .seconds(2))
            #expect(replies.count == 1)
            first.signal(SIGTERM)
            #expect(await first.waitForExit() == 0)
        }
    }
}
