import FedBotModels
import Foundation
import MatrixClient
import Testing

@testable import FedBotRuntime

/// The sync service over a scripted homeserver and a manual clock: backoff and a refused token.
@Suite struct SyncServiceTests {
    @Test("a failing /sync is retried after 1, 2 and 4 s, then the command it missed is answered")
    func backoffOn5xx() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        let bot = try await test.startReady()
        let badGateway = ScriptedHomeserver.reply(502, "<html>Bad Gateway</html>")
        test.homeserver.on(.get, "/sync", badGateway, badGateway, badGateway, try Fixture.response("sync-command"))
        for (attempt, wait) in [Duration.seconds(1), .seconds(2), .seconds(4)].enumerated() {
            try await eventually("sync waits \(wait) after failure \(attempt + 1)") {
                test.clock.pendingSleeps.contains(wait)
            }
            #expect(test.homeserver.requests(.get, "/sync").count == attempt + 2)
            test.clock.advance(by: wait - .milliseconds(1))
            try await Task.sleep(for: .milliseconds(20))
            #expect(test.homeserver.requests(.get, "/sync").count == attempt + 2, "no retry before the backoff ends")
            test.clock.advance(by: .milliseconds(1))
        }
        try await eventually("the missed command is answered") {
            test.sentTransactions.contains("fedbot.reply.\(Fixture.Lab.commandEvent)")
        }
        #expect(await bot.stop() == nil)
    }

    @Test("a token refused mid-run stops the bot with one clear line and no more requests")
    func unknownTokenStops() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        try test.scriptStartUp()
        let bot = try await test.startReady()
        test.homeserver.on(.get, "/sync", try Fixture.response("whoami-401"))
        let error = await bot.result()
        #expect(
            "\(error.map { "\($0)" } ?? "no error")"
                == "the homeserver rejected the access token (M_UNKNOWN_TOKEN): it was logged out or expired; "
                + "log in again with `fedbot login`")
        let requests = test.homeserver.requests.count
        try await Task.sleep(for: .milliseconds(20))
        #expect(test.homeserver.requests.count == requests)
    }

    @Test("a token refused at start-up stops the bot before any sync")
    func unknownTokenAtStartUp() async throws {
        let test = try TestBot()
        defer { test.cleanUp() }
        test.homeserver.on(.get, "/account/whoami", try Fixture.response("whoami-401"))
        let error = await (try test.start()).result()
        #expect(
            "\(error.map { "\($0)" } ?? "no error")"
                == "the access token for http://synapse.test is not valid (M_UNKNOWN_TOKEN): "
                + "log in again with `fedbot login` or fix homeserver.access_token")
        #expect(test.homeserver.requests(.get, "/sync").isEmpty)
    }
}
