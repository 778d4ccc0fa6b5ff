import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import SynapseAdmin
import Testing

@Suite("Activity tracker", .serialized)
struct ActivityTrackerTests {
    @Test("counts destinations whose deliveries advanced between two walks")
    func advancedDeliveries() async throws {
        try await Lab.with(LabOptions(synthetic: 200)) { lab in
            let clients = LabClients(lab: lab, token: lab.info.users.admin.accessToken)
            let tracker = ActivityTracker(startDelay: .zero, firstRefresh: .zero, refresh: .zero)
            let first = try await tracker.walk(clients.admin, now: Timestamp.now())
            #expect(first.rows == 201)
            #expect(tracker.activeDestinations == nil, "one walk cannot tell what moved")
            _ = try await lab.sql(
                """
                UPDATE destinations SET last_successful_stream_ordering = COALESCE(last_successful_stream_ordering, 0) + 5
                WHERE destination IN (SELECT destination FROM destinations WHERE destination LIKE 'synthetic-%'
                    ORDER BY destination LIMIT 30)
                """)
            #expect(tracker.active(among: ["synthetic-x"]) == nil)
            try await tracker.walk(clients.admin, now: Timestamp.now())
            #expect(tracker.activeDestinations == 30)
            // Which ones: the first 30 synthetic names, not the 10 after them.
            let names = try await clients.admin.destinations(
                DestinationQuery(limit: 40, nameContains: "synthetic-", orderBy: .destination)
            ).destinations.map(\.destination)
            #expect(tracker.active(among: names) == Set(names.prefix(30)))
            try await tracker.walk(clients.admin, now: Timestamp.now())
            #expect(tracker.activeDestinations == 0, "nothing moved since the last walk")
        }
    }
}
