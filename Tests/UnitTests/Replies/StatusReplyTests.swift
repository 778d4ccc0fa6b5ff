import FedBotCore
import FedBotModels
import Testing

extension ReplyRendering {
    /// `status`.
    @Suite struct StatusReplyTests {
        // MARK: status

        @Test func statusHealthy() {
            let status = StatusReply(
                homeserver: .ok("reachable, Synapse 1.163.2"), adminAPI: .ok("server admin"), federation: (2, 1234),
                watcherEnabled: true, lastPoll: Timestamp(milliseconds: ago(30 * second)), openIncidents: 2,
                mutedServers: 1
            )
            let reply = status.render(context)
            #expect(
                reply.plain == """
                    ✅ fedbot is working: 2 of 1,234 destinations failing
                    • Homeserver: ✅ reachable, Synapse 1.163.2
                    • Admin API: ✅ server admin
                    • Watcher: last poll 11:24 UTC (30s ago)
                    • Open incidents: 2 (1 muted)
                    """)
            #expect(
                reply.html
                    == "<p>✅ fedbot is working: <b>2</b> of 1,234 destinations failing</p><ul>"
                    + "<li>Homeserver: ✅ reachable, Synapse 1.163.2</li><li>Admin API: ✅ server admin</li>"
                    + "<li>Watcher: last poll 11:24 UTC (30s ago)</li><li>Open incidents: 2 (1 muted)</li></ul>")
            #expect(status.isHealthy)
        }

        @Test func statusWithAProblem() {
            let status = StatusReply(
                homeserver: .ok("reachable"),
                adminAPI: .failed(
                    "not a server admin: make @fedbot:example.org an admin or set admin_api.access_token"),
                federation: nil, watcherEnabled: false, lastPoll: nil, openIncidents: nil, mutedServers: nil)
            let reply = status.render(context)
            #expect(
                reply.plain == """
                    ⚠️ fedbot has a problem
                    • Homeserver: ✅ reachable
                    • Admin API: ❌ not a server admin: make @fedbot:example.org an admin or set admin_api.access_token
                    • Watcher: off (no notices.rooms configured)
                    """)
            #expect(
                reply.html
                    == "<p>⚠️ fedbot has a problem</p><ul><li>Homeserver: ✅ reachable</li>"
                    + "<li>Admin API: ❌ not a server admin: make @fedbot:example.org an admin or set admin_api.access_token</li>"
                    + "<li>Watcher: off (no notices.rooms configured)</li></ul>")
            #expect(!status.isHealthy)
            let waiting = StatusReply(
                homeserver: .failed("cannot connect"), adminAPI: .ok("server admin"), federation: (0, 1),
                watcherEnabled: true,
                lastPoll: nil, openIncidents: 0, mutedServers: 0)
            #expect(
                waiting.render(context).plain == """
                    ⚠️ fedbot has a problem: 0 of 1 destination failing
                    • Homeserver: ❌ cannot connect
                    • Admin API: ✅ server admin
                    • Watcher: no poll yet
                    • Open incidents: 0
                    """)
        }

        @Test("messages the outbox gave up on are reported, one line per room")
        func statusWithUndeliveredMessages() {
            var status = StatusReply(
                homeserver: .ok("reachable"), adminAPI: .ok("server admin"), federation: nil, watcherEnabled: false,
                lastPoll: nil, openIncidents: nil, mutedServers: nil)
            status.undelivered = [
                .init(room: "!ops:example.org", count: 1, reason: "HTTP 500: M_UNKNOWN: Internal server error"),
                .init(room: "!alerts:example.org", count: 3, reason: "HTTP 403: M_FORBIDDEN: <not in room>"),
            ]
            let reply = status.render(context)
            #expect(
                reply.plain == """
                    ✅ fedbot is working
                    • Homeserver: ✅ reachable
                    • Admin API: ✅ server admin
                    • Watcher: off (no notices.rooms configured)
                    • 1 message could not be delivered to !ops:example.org: HTTP 500: M_UNKNOWN: Internal server error
                    • 3 messages could not be delivered to !alerts:example.org: HTTP 403: M_FORBIDDEN: <not in room>
                    """)
            #expect(
                reply.html.contains(
                    "<li>3 messages could not be delivered to !alerts:example.org: HTTP 403: M_FORBIDDEN: &lt;not in room&gt;</li>"
                ))
        }
    }
}
