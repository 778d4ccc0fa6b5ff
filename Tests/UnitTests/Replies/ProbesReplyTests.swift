import FedBotCore
import FedBotModels
import Testing

extension ReplyRendering {
    /// `probes`.
    @Suite struct ProbesReplyTests {
        static func record(_ server: String, _ result: ProbeResult, failures: Int, since: Int64) -> ProbeRecord {
            ProbeRecord(
                server: server, last: result, lastAt: Timestamp(milliseconds: ago(2 * minute)),
                since: Timestamp(milliseconds: ago(since)), consecutiveFailures: failures,
                nextAt: Timestamp(milliseconds: ago(-3 * minute)))
        }

        @Test func failingFirstThenAnswering() {
            let reply = ProbesReply(
                records: [
                    Self.record("good.example", .answered(latencyMilliseconds: 84), failures: 0, since: 3 * hour),
                    Self.record(
                        "dead.example", .failed(check: "connect", reason: "connection refused on 203.0.113.5:8448"),
                        failures: 4, since: 20 * minute),
                    Self.record(
                        "flaky.example", .failed(check: "tls", reason: "TLS handshake timed out"), failures: 1,
                        since: 2 * minute),
                ], pending: ["new.example"], failures: 3, enabled: true
            ).render(context)
            #expect(
                reply.plain == """
                    Probes: 4 servers, 1 failing
                    • 🔴 dead.example — connection refused on 203.0.113.5:8448 (connect), failing for 20m, 4 failed probes
                    • 🟡 flaky.example — TLS handshake timed out (tls), failing for 2m, 1 failed probe
                    • 🟢 good.example — 84 ms, answering for 3h
                    Not probed yet: 1 server
                    """)
            // Values from servers are escaped in HTML.
            let hostile = ProbesReply(
                records: [
                    Self.record(
                        "x.example", .failed(check: "version", reason: "<b>bad</b>"), failures: 3, since: minute)
                ],
                failures: 3, enabled: true
            ).render(context)
            #expect(hostile.html.contains("&lt;b&gt;bad&lt;/b&gt;"))
        }

        @Test func nothingProbedSaysHowToStart() {
            let reply = ProbesReply(records: [], failures: 3, enabled: false).render(context)
            #expect(reply.plain == "No servers are probed: set probes.servers or probes.top_shared in the config.")
        }
    }
}
