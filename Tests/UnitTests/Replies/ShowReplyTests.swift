import FedBotCore
import FedBotModels
import Testing

extension ReplyRendering {
    /// `show`: each state of a destination.
    @Suite struct ShowReplyTests {
        // MARK: show

        @Test func showFailing() {
            let reply = ShowReply(destination: dead, sharedRooms: 3).render(context)
            #expect(
                reply.plain == """
                    🔴 dead.example is failing
                    • Failing since: 2026-11-24 09:12 UTC (2h 13m ago)
                    • Retry interval: 10m, next retry 11:29 UTC (in 4m)
                    • Last successful delivery: stream position 1234
                    • Shared rooms: 3 (!fed rooms dead.example)
                    To retry now: !fed reset dead.example
                    """)
            #expect(
                reply.html
                    == "<p>🔴 <b>dead.example</b> is failing</p><ul>"
                    + "<li>Failing since: 2026-11-24 09:12 UTC (2h 13m ago)</li>"
                    + "<li>Retry interval: 10m, next retry 11:29 UTC (in 4m)</li>"
                    + "<li>Last successful delivery: stream position 1234</li>"
                    + "<li>Shared rooms: 3 (<code>!fed rooms dead.example</code>)</li>"
                    + "</ul><p>To retry now: <code>!fed reset dead.example</code></p>")
            expectWellFormed(reply)
        }

        @Test func showRecovering() {
            let reply = ShowReply(destination: slow, sharedRooms: nil).render(context)
            #expect(
                reply.plain == """
                    🟡 slow.example is failing, retry due
                    • Failing since: 2026-11-23 09:25 UTC (1d 2h ago)
                    • Retry interval: 1h, backoff over: the next message to it (or Synapse's catch-up within a minute) retries
                    • Last successful delivery: never
                    To retry now: !fed reset slow.example
                    """)
            #expect(
                reply.html
                    == "<p>🟡 <b>slow.example</b> is failing, retry due</p><ul>"
                    + "<li>Failing since: 2026-11-23 09:25 UTC (1d 2h ago)</li>"
                    + "<li>Retry interval: 1h, backoff over: the next message to it (or Synapse&#39;s catch-up within a minute) retries</li>"
                    + "<li>Last successful delivery: never</li>"
                    + "</ul><p>To retry now: <code>!fed reset slow.example</code></p>")
        }

        @Test func showHealthy() {
            let reply = ShowReply(destination: healthy("matrix.org", lastSuccess: 98765), sharedRooms: 1200).render(
                context)
            #expect(
                reply.plain == """
                    🟢 matrix.org is healthy
                    • No failure recorded.
                    • Last successful delivery: stream position 98765
                    • Shared rooms: 1,200 (!fed rooms matrix.org)
                    """)
            #expect(
                reply.html
                    == "<p>🟢 <b>matrix.org</b> is healthy</p><ul><li>No failure recorded.</li>"
                    + "<li>Last successful delivery: stream position 98765</li>"
                    + "<li>Shared rooms: 1,200 (<code>!fed rooms matrix.org</code>)</li></ul>")
        }

        @Test func showNeverDelivered() {
            let reply = ShowReply(destination: healthy("new.example", lastSuccess: nil), sharedRooms: 0).render(context)
            #expect(
                reply.plain == """
                    🟢 new.example is healthy
                    • No failure recorded.
                    • Last successful delivery: never
                    • Shared rooms: 0
                    """)
            #expect(
                reply.html
                    == "<p>🟢 <b>new.example</b> is healthy</p><ul><li>No failure recorded.</li>"
                    + "<li>Last successful delivery: never</li><li>Shared rooms: 0</li></ul>")
        }
    }
}
