import FedBotLab
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Smoke test of the Synapse lab itself: everything else in IntegrationTests stands on it.
@Suite(.serialized)
struct LabTests {
    private struct DestinationList: Decodable {
        struct Row: Decodable {
            var destination: String
            var failureTs: Int64?

            enum CodingKeys: String, CodingKey {
                case destination
                case failureTs = "failure_ts"
            }
        }

        var destinations: [Row]
        var total: Int
    }

    /// GET on A's admin API through plain Foundation.
    private func adminGET(_ lab: Lab, _ path: String, token: String) async throws -> (Int, Data) {
        let url = try #require(URL(string: lab.info.a.clientURL + path))
        var request = URLRequest(url: url)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? -1
        return (status, data)
    }

    @Test("lab: B is a destination of A; stop → failing → start → healthy; nothing left after shutdown")
    func lifecycle() async throws {
        let lab = try await Lab.start(LabOptions(synthetic: 20, syntheticFailing: 3))
        do {
            try await exercise(lab)
        } catch {
            try? await lab.shutdown()
            throw error
        }
        try await lab.shutdown()
        print("lab steps:", await lab.history.joined(separator: ", "))
        #expect(lab.leftoverProcesses().isEmpty)
        if ProcessInfo.processInfo.environment["FEDBOT_LAB_KEEP"] != "1" {
            #expect(!FileManager.default.fileExists(atPath: lab.directory))
        }
        let pids = await lab.currentPIDs
        for (name, pid) in pids {
            #expect(!isRunning(pid), "\(name) (pid \(pid)) still runs")
        }
    }

    private func exercise(_ lab: Lab) async throws {
        let info = lab.info
        #expect(info.db == .sqlite)
        #expect(info.a.serverName == "127.0.0.1:\(info.a.federationPort)")
        #expect(info.users.admin.userID == "@admin:\(info.a.serverName)")
        #expect(info.users.bob.userID == "@bob:\(info.b.serverName)")
        #expect(info.sharedRoomID.hasPrefix("!"))

        let admin = info.users.admin.accessToken
        let (status, data) = try await adminGET(
            lab, "/_synapse/admin/v1/federation/destinations?limit=1000", token: admin)
        #expect(status == 200)
        let list = try JSONDecoder().decode(DestinationList.self, from: data)
        #expect(list.total == 21)
        let b = try #require(list.destinations.first { $0.destination == info.b.serverName })
        #expect(b.failureTs == nil)
        #expect(list.destinations.filter { $0.failureTs != nil }.count == 3)

        let (aliceStatus, _) = try await adminGET(
            lab, "/_synapse/admin/v1/federation/destinations", token: info.users.alice.accessToken)
        #expect(aliceStatus == 403)

        let count = try await lab.sqlRows("SELECT COUNT(*) AS n FROM destinations")
        #expect(count.first?["n"] == "21")

        try await lab.stopB()
        try await lab.traffic()
        let failing = try await lab.waitFailing(timeout: .seconds(20))
        #expect(failing.failing)
        #expect(failing.row.failureTs != nil)

        try await lab.startB()
        let healthy = try await lab.waitHealthy(timeout: .seconds(30), nudge: true)
        #expect(!healthy.failing)
    }

    @Test("lab on PostgreSQL: synthetic rows, failing first by failure_ts asc, hung B fails after the client timeout")
    func postgres() async throws {
        let options = LabOptions(db: .postgres, synthetic: 50, syntheticFailing: 5, syntheticRooms: 2)
        let directory = try await Lab.with(options) { lab in
            let info = lab.info
            #expect(info.db == .postgres)
            #expect(info.postgres?.dsn.hasPrefix("postgresql://") == true)
            let synthetic = try #require(info.synthetic)
            #expect(synthetic.count == 50)
            #expect(synthetic.failingNames.count == 5)
            #expect(synthetic.rooms.count == 2)
            #expect(synthetic.first == "synthetic-000001.example")

            let admin = info.users.admin.accessToken
            // PostgreSQL sorts NULL last: ascending failure_ts lists the failing rows first.
            let (status, data) = try await adminGET(
                lab, "/_synapse/admin/v1/federation/destinations?order_by=failure_ts&dir=f&limit=6", token: admin)
            #expect(status == 200)
            let page = try JSONDecoder().decode(DestinationList.self, from: data)
            #expect(page.total == 51)
            #expect(page.destinations.prefix(5).allSatisfy { $0.failureTs != nil })
            #expect(page.destinations.last?.failureTs == nil)

            let first = try #require(synthetic.first)
            let (roomsStatus, roomsData) = try await adminGET(
                lab, "/_synapse/admin/v1/federation/destinations/\(first)/rooms", token: admin)
            #expect(roomsStatus == 200)
            let rooms = try JSONSerialization.jsonObject(with: roomsData) as? [String: Any]
            #expect(rooms?["total"] as? Int == 2)

            let more = try await lab.insertDestinations(count: 10, failing: 2, prefix: "later")
            #expect(more.failingNames.count == 2)
            let counts = try await lab.sqlRows(
                "SELECT COUNT(*) AS n, COUNT(failure_ts) AS failing FROM destinations")
            #expect(counts.first?["n"] == "61")
            #expect(counts.first?["failing"] == "7")

            try await lab.pauseB()
            try await lab.traffic()
            let hung = try await lab.waitFailing(timeout: .seconds(30))
            #expect(hung.elapsed > 3)  // client_timeout is 5 s
            try await lab.resumeB()
            try await lab.waitHealthy(timeout: .seconds(30), nudge: true)
            print("lab steps:", await lab.history.joined(separator: ", "))
            return lab.directory
        }
        #expect(Lab.processes(mentioning: directory).isEmpty)
    }

    /// Alive and not a zombie.
    private func isRunning(_ pid: Int32) -> Bool {
        guard let stat = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return false }
        let text = String(decoding: stat, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return false }
        let state = text[text.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
        return state != "Z" && state != "X"
    }
}
