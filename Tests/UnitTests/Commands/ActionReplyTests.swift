import FedBotCore
import FedBotModels
import Testing

/// The texts and rules that moved from the executor into Core: mute, unmute, "notices are off", the
/// status checks, a reset's follow-up and describing a `MatrixError` to a person.
@Suite struct ActionReplyTests {
    let now = Timestamp(milliseconds: 1_795_519_500_000)
    var context: RenderContext { RenderContext(prefix: "!fed", now: now) }
    let server = ServerName("example.org")

    @Test func mute() throws {
        let reply = MuteReply(server: try #require(server), until: now + .seconds(7200)).render(context)
        #expect(
            reply.plain
                == "🔕 Muted example.org until 2026-11-24 13:25 UTC: no notices about it until then, or until !fed unmute example.org."
        )
        #expect(
            reply.html
                == "<p>🔕 Muted <b>example.org</b> until 2026-11-24 13:25 UTC: no notices about it until then, or until <code>!fed unmute example.org</code>.</p>"
        )
    }

    @Test func unmute() throws {
        let server = try #require(server)
        #expect(
            UnmuteReply(server: server, wasMuted: true).render(context).plain == "🔔 example.org is no longer muted.")
        #expect(
            UnmuteReply(server: server, wasMuted: false).render(context).html
                == "<p>ℹ️ <b>example.org</b> was not muted.</p>")
    }

    @Test func commandsThatNeedTheWatcherSaySoWhenNoticesAreOff() {
        #expect(
            NoticesOffReply(command: .mute).render(context).plain
                == "ℹ️ Notices are off here (no notices.rooms configured), so there is nothing to mute.")
    }

    @Test func statusChecks() {
        #expect(
            StatusReply.Check.loggedIn(as: "@fedbot:example.org") == .ok("reachable, logged in as @fedbot:example.org"))
        #expect(StatusReply.Check.notUsed == .ok("not used by this command"))
        #expect(StatusReply.Check.serverAdmin(version: "1.163.2") == .ok("Synapse 1.163.2, server admin rights"))
        #expect(StatusReply.Check.serverAdmin(version: nil) == .ok("answering, server admin rights"))
        #expect(
            StatusReply.Check.failed(describing: MatrixError(kind: .timeout, message: "slow"))
                == .failed("no answer in time"))
    }

    @Test func matrixErrorsSayWhatToDo() {
        #expect(
            MatrixErrorText.describe(MatrixError(kind: .connectionRefused, message: "refused"))
                == "connection refused: is the homeserver running and homeserver.url right?")
        #expect(
            MatrixErrorText.describe(MatrixError(kind: .http, status: 401, errcode: "M_UNKNOWN_TOKEN", message: "no"))
                == "the access token is not valid (M_UNKNOWN_TOKEN): get a new one with `fedbot login`")
    }

    @Test func onlyARealResetIsCheckedAgain() throws {
        let server = try #require(server)
        let before = Destination(destination: "example.org", retryLastTs: 1, retryInterval: 2, failureTs: 1234)
        #expect(
            ResetReply(server: server, outcome: .reset, before: before).followUp
                == .recheckAfterReset(server: server, previousFailure: Timestamp(milliseconds: 1234)))
        #expect(ResetReply(server: server, outcome: .notInBackoff, before: before).followUp == nil)
    }
}
