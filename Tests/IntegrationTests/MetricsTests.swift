import FedBotCore
import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `/metrics` parsed by the real Prometheus client library (prometheus_client, from Synapse's venv), and
/// `/healthz`.
@Suite("Metrics and health", .serialized)
struct MetricsTests {
    /// A loopback port nobody listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw HarnessError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func get(_ url: String) async throws -> (Int, String) {
        let (data, response) = try await URLSession.shared.data(from: try #require(URL(string: url)))
        return ((response as? HTTPURLResponse)?.statusCode ?? -1, String(decoding: data, as: UTF8.self))
    }

    /// Samples `name{labels}` → value, as prometheus_client's parser reads the text.
    static func parse(_ text: String) throws -> [String: Double] {
        let script = """
            import sys, json
            from prometheus_client.parser import text_string_to_metric_families
            out = {}
            for family in text_string_to_metric_families(sys.stdin.read()):
                for s in family.samples:
                    labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
                    out[f"{s.name}{{{labels}}}"] = s.value
            print(json.dumps(out))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Lab.repositoryRoot + "/.lab/venv/bin/python")
        process.arguments = ["-c", script]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw HarnessError("prometheus_client could not parse /metrics") }
        return try JSONDecoder().decode([String: Double].self, from: data)
    }

    @Test("counters move when commands run; destinations by state; /healthz is 200 while syncing")
    func metrics() async throws {
        try await Lab.with(LabOptions(synthetic: 10, syntheticFailing: 3)) { lab in
            let port = try Self.freePort()
            let harness = try await BotHarness.make(
                lab: lab, configExtra: "metrics:\n  listen: \"127.0.0.1:\(port)\"", noticeInterval: "1s")
            defer { harness.cleanUp() }
            let bot = try await harness.startInProcess()
            let base = "http://127.0.0.1:\(port)"

            let (healthStatus, health) = try await Self.get(base + "/healthz")
            #expect(healthStatus == 200, "\(health)")

            let (status, before) = try await Self.get(base + "/metrics")
            #expect(status == 200)
            let start = try Self.parse(before)
            let listOK = "fedbot_commands_total{command=\"list\",outcome=\"ok\"}"
            #expect(start[listOK] == nil)

            for _ in 0..<2 {
                let event = try await harness.alice.say(harness.adminRoom, "!fed list")
                _ = try await harness.alice.waitForReplies(to: event, from: harness.botUser, in: harness.adminRoom)
            }
            let bad = try await harness.alice.say(harness.adminRoom, "!fed show not_a_server")
            _ = try await harness.alice.waitForReplies(to: bad, from: harness.botUser, in: harness.adminRoom)
            let refused = try await harness.mallory.say(harness.adminRoom, "!fed list")
            _ = try await harness.alice.waitForReplies(to: refused, from: harness.botUser, in: harness.adminRoom)

            let after = try Self.parse(try await Self.get(base + "/metrics").1)
            #expect(after[listOK] == 2)
            #expect(after["fedbot_commands_total{command=\"show\",outcome=\"usage_error\"}"] == 1)
            #expect(after["fedbot_commands_total{command=\"-\",outcome=\"refused\"}"] == 1)
            #expect(after["fedbot_destinations{state=\"failing\"}"] == 3)
            #expect(after["fedbot_destinations{state=\"healthy\"}"] == 8)
            #expect(after["fedbot_open_incidents{}"] == 3)
            #expect((after["fedbot_admin_api_request_duration_seconds_count{}"] ?? 0) > 0)
            #expect((after["fedbot_matrix_send_duration_seconds_count{}"] ?? 0) >= 4)
            #expect((after["fedbot_sync_lag_seconds{}"] ?? -1) >= 0)
            #expect(!after.keys.contains { $0.contains(lab.info.users.admin.accessToken) })
            await bot.stop()
        }
    }
}
