import FedBotCore
import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import SynapseAdmin
import Testing

/// Issue 14, item 4: "Synapse's side" of a destination against the real lab. B stopped while A has
/// messages for it: the shared room waits for delivery (and `!fed show` says so); B back and caught
/// up: nothing waits.
@Suite("Delivery backlog against real Synapse")
struct DeliveryBacklogTests {
    @Test("B stopped with messages for it: ≥ 1 room waiting; B back and caught up: 0", arguments: LabDatabase.allCases)
    func stoppedThenCaughtUp(db: LabDatabase) async throws {
        try await Lab.with(LabOptions(db: db)) { lab in
            let clients = LabClients(lab: lab, token: lab.info.users.admin.accessToken)
            let b = try SynapseAdminClient.serverName(lab.info.b.serverName)

            // Healthy and caught up: something was delivered, nothing waits.
            try await lab.traffic()
            let settled = try await waitForBacklog(clients, b, timeout: .seconds(30)) { $0.waiting == .exactly(0) }
            #expect(settled.waiting == .exactly(0), "healthy B: \(settled)")
            #expect(settled.sharedRooms >= 1)

            // B stopped, A has messages for it: the shared room waits.
            try await lab.stopB()
            try await lab.traffic(count: 3)
            let waiting = try await waitForBacklog(clients, b, timeout: .seconds(30)) { $0.count >= 1 }
            #expect(waiting.count >= 1, "B stopped: \(waiting)")
            if case .exactly = waiting.waiting {} else { Issue.record("not exact with one page: \(waiting)") }
            let show = await clients.run("show \(b)")
            let count = waiting.count
            let expected =
                count == 1
                ? "• 1 shared room has events waiting for delivery"
                : "• \(count) shared rooms have events waiting for delivery"
            #expect(show.reply.plain.contains(expected), "\(show.reply.plain)")
            #expect(show.reply.html.contains("<li>\(expected.dropFirst(2))</li>"))

            // B back; A's catch-up delivers what waited (a message nudges it past the backoff).
            try await lab.startB()
            _ = try await lab.waitHealthy(timeout: .seconds(90), nudge: true)
            let caughtUp = try await waitForBacklog(clients, b, timeout: .seconds(60)) { $0.waiting == .exactly(0) }
            #expect(caughtUp.waiting == .exactly(0), "B back: \(caughtUp)")
            let shown = await clients.run("show \(b)")
            #expect(
                shown.reply.plain.contains("• No shared room has events waiting for delivery"), "\(shown.reply.plain)")
        }
    }

    /// Reads the backlog every 250 ms until `done` holds or `timeout` passes; the last reading.
    func waitForBacklog(
        _ clients: LabClients, _ server: ServerName, timeout: Duration, until done: (DeliveryBacklog) -> Bool
    ) async throws -> DeliveryBacklog {
        let deadline = ContinuousClock.now + timeout
        var backlog = try await clients.admin.deliveryBacklog(server)
        while !done(backlog) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            backlog = try await clients.admin.deliveryBacklog(server)
        }
        return backlog
    }
}
