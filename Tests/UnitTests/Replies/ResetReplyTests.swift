import FedBotCore
import FedBotModels
import Testing

extension ReplyRendering {
    /// `reset` and its follow-up.
    @Suite struct ResetReplyTests {
        // MARK: reset

        @Test func resetDone() {
            let reply = ResetReply(server: server("dead.example"), outcome: .reset, before: dead).render(context)
            #expect(
                reply.plain
                    == "🔄 Reset dead.example: Synapse retries it now (it was failing for 2h 13m). I will check again in a few seconds."
            )
            #expect(
                reply.html
                    == "<p>🔄 Reset <b>dead.example</b>: Synapse retries it now (it was failing for 2h 13m). I will check again in a few seconds.</p>"
            )
            let unknownBefore = ResetReply(server: server("dead.example"), outcome: .reset, before: nil).render(context)
            #expect(
                unknownBefore.plain
                    == "🔄 Reset dead.example: Synapse retries it now. I will check again in a few seconds.")
        }

        @Test func resetNotInBackoff() {
            let reply = ResetReply(server: server("matrix.org"), outcome: .notInBackoff, before: healthy("matrix.org"))
                .render(context)
            #expect(
                reply.plain
                    == "ℹ️ matrix.org is not in backoff: nothing to reset. Synapse retries it whenever it has something to send."
            )
            #expect(
                reply.html
                    == "<p>ℹ️ <b>matrix.org</b> is not in backoff: nothing to reset. Synapse retries it whenever it has something to send.</p>"
            )
        }

        @Test func resetFollowUpHealthy() {
            let reply = ResetFollowUpReply(
                server: server("dead.example"), after: healthy("dead.example"),
                previousFailure: Timestamp(milliseconds: ago(133 * minute))
            ).render(context)
            #expect(
                reply.plain == "✅ dead.example: no failure since the reset, federation with it looks healthy again.")
            #expect(
                reply.html
                    == "<p>✅ <b>dead.example</b>: no failure since the reset, federation with it looks healthy again.</p>"
            )
        }

        @Test func resetFollowUpFailedAgain() {
            let after = Destination(
                destination: "dead.example", retryLastTs: ago(9 * second), retryInterval: 10 * minute,
                failureTs: ago(9 * second),
                lastSuccessfulStreamOrdering: 1234)
            let reply = ResetFollowUpReply(
                server: server("dead.example"), after: after,
                previousFailure: Timestamp(milliseconds: ago(133 * minute))
            )
            .render(context)
            #expect(
                reply.plain == """
                    🔴 dead.example failed again at 11:24 UTC: it is still unreachable from here.
                    Failing for 9s, next retry in 9m 51s. !fed show dead.example has the details.
                    """)
            #expect(
                reply.html
                    == "<p>🔴 <b>dead.example</b> failed again at 11:24 UTC: it is still unreachable from here.</p>"
                    + "<p>Failing for 9s, next retry in 9m 51s. <code>!fed show dead.example</code> has the details.</p>"
            )
        }

        @Test func resetUndoneByARequestInFlight() {
            // The old failure_ts came back: a request to a hung server timed out after the reset.
            let after = Destination(
                destination: "dead.example", retryLastTs: ago(2 * second), retryInterval: 20 * minute,
                failureTs: ago(133 * minute))
            let reply = ResetFollowUpReply(
                server: server("dead.example"), after: after,
                previousFailure: Timestamp(milliseconds: ago(133 * minute))
            )
            .render(context)
            #expect(
                reply.plain == """
                    🔴 dead.example is still failing: a request to it that was in flight timed out after the reset and restored the failure from 09:12 UTC.
                    Failing for 2h 13m, next retry in 19m 58s. !fed show dead.example has the details.
                    """)
            #expect(
                reply.html
                    == "<p>🔴 <b>dead.example</b> is still failing: a request to it that was in flight timed out after the reset and restored the failure from 09:12 UTC.</p>"
                    + "<p>Failing for 2h 13m, next retry in 19m 58s. <code>!fed show dead.example</code> has the details.</p>"
            )
        }
    }
}
