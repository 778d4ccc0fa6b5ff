import FedBotCore
import FedBotModels
import FedBotRuntime
import Foundation
import Testing

/// Resets recorded in incidents: the latest one per server, its outcome once checked, forgotten when the
/// incident ends, and kept across reopening the file.
@Suite struct BotStoreResetTests {
    @Test("the latest reset per server is kept with its outcome, survives a reopen, and ends with the incident")
    func resetsLiveWithTheIncident() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString).sqlite")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try BotStore(path: path)
        try await store.recordReset("a.example", by: "@alice:example.org", now: 1000)
        try await store.recordReset("b.example", by: "@bob:example.org", now: 2000)
        try await store.recordResetOutcome("a.example", resumed: false, now: 6000)
        // No reset recorded for c: the outcome of its check records nothing.
        try await store.recordResetOutcome("c.example", resumed: true, now: 6000)
        #expect(
            try await store.resets() == [
                "a.example": IncidentReset(
                    by: "@alice:example.org", at: Timestamp(milliseconds: 1000),
                    checked: (Timestamp(milliseconds: 6000), false)),
                "b.example": IncidentReset(by: "@bob:example.org", at: Timestamp(milliseconds: 2000)),
            ])
        // A later reset replaces the earlier one and its outcome.
        try await store.recordReset("a.example", by: "@carol:example.org", now: 7000)
        #expect(
            try await BotStore(path: path).resets()["a.example"]
                == IncidentReset(by: "@carol:example.org", at: Timestamp(milliseconds: 7000)))

        // b's incident ended (a's is still open): b's reset is forgotten.
        var state = WatcherState(baselineTaken: true)
        state.incidents["a.example"] = Incident(
            server: "a.example", since: Timestamp(milliseconds: 0), detectedAt: Timestamp(milliseconds: 0))
        try await store.commitWatcher(state, messages: [], now: 8000)
        #expect(try await store.resets().keys.sorted() == ["a.example"])
        try await store.commitWatcher(WatcherState(baselineTaken: true), messages: [], now: 9000)
        #expect(try await store.resets().isEmpty)
    }
}
