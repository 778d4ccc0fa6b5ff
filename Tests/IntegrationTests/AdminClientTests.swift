import FedBotCore
import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import SynapseAdmin
import Testing

/// Issue 3's checks, against a real two-homeserver lab, on SQLite- and on PostgreSQL-backed A.
@Suite("Admin client and `fedbot fed` commands against real Synapse", .serialized)
struct AdminClientTests {
    @Test(
        "list/show/reset/rooms through a real failure, failing first among 2,000 healthy rows",
        arguments: LabDatabase.allCases)
    func failureLifecycle(db: LabDatabase) async throws {
        try await Lab.with(LabOptions(db: db, synthetic: 2000)) { lab in
            let b = lab.info.b.serverName
            let clients = LabClients(lab: lab, token: lab.info.users.admin.accessToken)

            // Healthy B: `list` shows it healthy; with 2,000 healthy synthetic rows nothing fails.
            let healthy = await clients.run("list")
            #expect(healthy.outcome == .ok)
            #expect(healthy.reply.plain.hasPrefix("Federation: 0 failing, 2,001 healthy (2,001 destinations)"))
            #expect(healthy.reply.plain.contains("🟢 \(b)"))
            #expect(healthy.reply.plain.contains("… 1,981 more: !fed list --page 2"))

            // Stop B and make A send: Synapse records the failure for real.
            try await lab.stopB()
            _ = try await lab.traffic()
            let waited = try await lab.waitFailing(timeout: .seconds(60))
            #expect(waited.failing)
            let row = try await clients.admin.destination(named: b)
            let failureTs = try #require(row.failureTs)

            // show: failing, with the since-time Synapse recorded.
            let show = await clients.run("show \(b)")
            #expect(show.outcome == .ok)
            #expect(show.reply.plain.hasPrefix("🔴 \(b) is failing"))
            #expect(
                show.reply.plain.contains("Failing since: \(TimeText.absolute(Timestamp(milliseconds: failureTs)))"))
            #expect(show.reply.plain.contains("Shared rooms: 1"))

            // list (default view): B first among the 2,000 healthy rows, on either backend.
            let failingCount = clients.transport.requests
            let list = await clients.run("list")
            let lines = list.reply.plain.split(separator: "\n")
            #expect(lines.first == "Federation: 1 failing, 2,000 healthy (2,001 destinations)")
            #expect(lines.count > 2 && lines[1].hasPrefix("• 🔴 \(b) — failing for"))
            #expect(lines.count > 2 && lines[2].contains("🟢 synthetic-"))
            // It did not download the 2,000 healthy rows: a probe-free scan plus one small name window.
            #expect(clients.transport.requests - failingCount <= 4)

            // The failing-only view and the scan agree.
            let scan = try await clients.admin.failingDestinations()
            #expect(scan.failing.map(\.destination) == [b])
            #expect(scan.total == 2001)
            #expect(scan.placement == (db == .sqlite ? .low : .high))

            // reset of the failing B succeeds; reset of a healthy destination is "not in backoff".
            let reset = await clients.run("reset \(b)")
            #expect(reset.outcome == .ok)
            #expect(reset.reply.plain.hasPrefix("🔄 Reset \(b): Synapse retries it now"))
            #expect(reset.followUp != nil)
            let first = try #require(lab.info.synthetic?.first)
            let notInBackoff = await clients.run("reset \(first)")
            #expect(notInBackoff.outcome == .ok)
            #expect(
                notInBackoff.reply.plain
                    == "ℹ️ \(first) is not in backoff: nothing to reset. Synapse retries it whenever it has something to send."
            )

            // The follow-up after the reset re-checks B: still down, so it fails again (a new failure).
            if let followUp = reset.followUp {
                _ = try await lab.traffic()
                _ = try await lab.waitFailing(timeout: .seconds(60))
                let reply = await clients.executor.run(followUp)
                #expect(reply.plain.hasPrefix("🔴 \(b) failed again at"))
            }
        }
    }

    @Test("errors: unknown destination, malformed names (no request), non-admin token")
    func errors() async throws {
        try await Lab.with(LabOptions()) { lab in
            let clients = LabClients(lab: lab, token: lab.info.users.admin.accessToken)

            let unknown = await clients.run("show nowhere.example")
            #expect(unknown.outcome == .apiError)
            #expect(
                unknown.reply.plain
                    == "⚠️ Could not show nowhere.example: nowhere.example is not a known destination (Synapse has never federated with it; names are case-sensitive)"
            )
            #expect(!unknown.reply.plain.contains("\n"))

            let before = clients.transport.requests
            for bad in ["show exa_mple.org", "reset example..org", "rooms example.org:99999", "show [::1", "reset a/b"]
            {
                let execution = await clients.run(bad)
                #expect(execution.outcome == .usageError, "\(bad)")
                #expect(execution.reply.plain.hasPrefix("⚠️ "), "\(bad)")
                #expect(!execution.reply.plain.contains("\n"), "\(bad)")
            }
            #expect(clients.transport.requests == before, "malformed names must not reach Synapse")
            // The typed client refuses them too, before any request.
            await #expect(throws: SynapseAdminError.invalidServerName("a/b")) {
                _ = try await clients.admin.destination(named: "a/b")
            }
            #expect(clients.transport.requests == before)

            let mallory = LabClients(lab: lab, token: lab.info.users.mallory.accessToken)
            let refused = await mallory.run("list")
            #expect(refused.outcome == .apiError)
            #expect(refused.reply.plain.contains("not a server admin"))
            await #expect(throws: SynapseAdminError.notServerAdmin) {
                _ = try await mallory.admin.destination(named: lab.info.b.serverName)
            }

            let invalid = LabClients(lab: lab, token: "syt_not_a_token")
            await #expect(throws: SynapseAdminError.invalidToken) {
                _ = try await invalid.admin.destinations(DestinationQuery())
            }
        }
    }

    @Test("paging over 2,500 synthetic destinations yields every one exactly once")
    func pagingExactlyOnce() async throws {
        try await Lab.with(LabOptions(synthetic: 2000)) { lab in
            _ = try await lab.insertDestinations(count: 500, failing: 0, prefix: "later-", rooms: 1)
            let clients = LabClients(lab: lab, token: lab.info.users.admin.accessToken)
            for pageSize in [1, 7, 100, 2499, 5000] where pageSize != 1 || true {
                guard pageSize > 1 else { continue }
                var names: [String] = []
                for try await destination in clients.admin.allDestinations(pageSize: pageSize) {
                    names.append(destination.destination)
                }
                #expect(names.count == 2501, "page size \(pageSize)")
                #expect(Set(names).count == names.count, "page size \(pageSize)")
                #expect(names.filter { $0.hasPrefix("synthetic-") }.count == 2000)
                #expect(names.filter { $0.hasPrefix("later-") }.count == 500)
                #expect(names.contains(lab.info.b.serverName))
            }
            // limit=0 is refused before it can loop; Synapse would answer it with a next_token.
            await #expect(throws: SynapseAdminError.self) {
                _ = try await clients.admin.destinations(DestinationQuery(limit: 0))
            }
        }
    }

    @Test("rooms: names, aliases and member counts; HTML escapes a <script> room name")
    func roomsEscaping() async throws {
        try await Lab.with(LabOptions()) { lab in
            let clients = LabClients(lab: lab, token: lab.info.users.admin.accessToken)
            let b = lab.info.b.serverName
            let hostile = "<script>alert('x')</script> & co"
            let room = try await createSharedRoom(lab, name: hostile)

            let rooms = await clients.run("rooms \(b)")
            #expect(rooms.outcome == .ok)
            #expect(rooms.reply.plain.hasPrefix("Rooms shared with \(b): 2"))
            #expect(rooms.reply.plain.contains("\(hostile) \(room) — 2 members"))
            #expect(!rooms.reply.html.contains("<script>"))
            #expect(rooms.reply.html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"))

            let one = await clients.run("rooms \(b) --limit 1")
            #expect(one.reply.plain.contains("… 1 more: !fed rooms \(b) --limit 1 --page 2"))
        }
    }

    /// Admin on A creates a named room and invites bob, who joins from B.
    private func createSharedRoom(_ lab: Lab, name: String) async throws -> String {
        let a = LabClients(lab: lab, token: lab.info.users.admin.accessToken).connection
        struct Created: Decodable { var room_id: String }
        struct Create: Encodable {
            var name: String
            var invite: [String]
            var preset = "private_chat"
        }
        let created = try await a.json(
            Created.self, .post, ["_matrix", "client", "v3", "createRoom"],
            body: HomeserverConnection.body(Create(name: name, invite: [lab.info.users.bob.userID])), retry: .none)
        let bConnection = a.with(accessToken: lab.info.users.bob.accessToken)
        let bobOnB = HomeserverConnection(
            baseURL: lab.info.b.clientURL, accessToken: lab.info.users.bob.accessToken,
            transport: bConnection.transport, logger: bConnection.logger)
        _ = try await bobOnB.send(
            .post, ["_matrix", "client", "v3", "join", created.room_id],
            query: [("server_name", lab.info.a.serverName)],
            body: Data("{}".utf8), retry: .idempotent)
        // A records the room for B's destination when it sends B an event there.
        let admin = MatrixUser(lab: lab, user: lab.info.users.admin)
        try await admin.say(created.room_id, "hello bob")
        let clients = LabClients(lab: lab, token: lab.info.users.admin.accessToken)
        let b = try SynapseAdminClient.serverName(lab.info.b.serverName)
        for _ in 0..<100 {
            if try await clients.admin.destinationRooms(b).rooms.contains(where: { $0.roomID == created.room_id }) {
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return created.room_id
    }
}
