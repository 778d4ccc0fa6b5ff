import FedBotCore
import FedBotModels
import Foundation
import MatrixClient
import Testing

@testable import FedBotRuntime

/// Issue 16: a sender promoted between the intake (which kept the command without its body: the sender
/// could not command the bot then) and the worker (which finds them allowed) is answered: the worker reads
/// the message again by its event ID.
extension RetentionServiceTests {
    static let promoted = HTTPResponse(
        status: 200, headers: [],
        body: Data(#"{"users": {"@mallory:127.0.0.1:12754": 50}, "users_default": 0}"#.utf8))

    /// A bot without operators whose first read of the power levels (the intake's) does not let mallory
    /// command it and every later one (the worker's) does.
    static func botPromotingMallory() throws -> TestBot {
        let test = try TestBot(operators: [])
        try test.scriptStartUp()
        test.homeserver.on(.get, "/state/m.room.create", repeating: try Fixture.response("state-create"))
        test.homeserver.on(
            .get, "/state/m.room.power_levels", try Fixture.response("state-power-levels"), repeating: Self.promoted)
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        return test
    }

    @Test("promoted after the intake kept the command body-less: the worker reads it again and answers it")
    func promotedBetweenIntakeAndWorker() async throws {
        let test = try Self.botPromotingMallory()
        defer { test.cleanUp() }
        let event = message("$p1", "!fed help")
        test.homeserver.on(
            .get, "/event/", repeating: HTTPResponse(status: 200, headers: [], body: Data(event.utf8)))
        let bot = try await test.startReady()
        test.homeserver.on(.get, "/sync", sync("s40_1", event))
        try await eventually("the command is answered") { test.sentTransactions == ["fedbot.reply.$p1"] }
        #expect(await bot.stop() == nil)
        #expect(test.homeserver.requests(.get, "/state/m.room.power_levels").count >= 2, "intake and worker read")
        let reads = test.homeserver.requests(.get, "/rooms/\(Fixture.Lab.adminRoom)/event/$p1")
        #expect(reads.count == 1, "the event was read again once")
        let reply = test.homeserver.requests(.put, "/send/").last?.json?["body"]?.string ?? ""
        #expect(reply.contains("!fed list"), "the help, not a refusal: \(reply)")
    }

    @Test("promoted, but the message cannot be read again (redacted, or another event): one line asking to resend")
    func promotedButUnreadable() async throws {
        for answer in [
            HTTPResponse(
                status: 404, headers: [], body: Data(#"{"errcode":"M_NOT_FOUND","error":"Event not found"}"#.utf8)),
            HTTPResponse(
                status: 200, headers: [],
                body: Data(
                    #"{"type":"m.room.message","event_id":"$p2","sender":"@mallory:127.0.0.1:12754","origin_server_ts":1796430042746,"content":{}}"#
                        .utf8)),
            HTTPResponse(status: 200, headers: [], body: Data(message("$other", "!fed help").utf8)),
        ] {
            let test = try Self.botPromotingMallory()
            defer { test.cleanUp() }
            test.homeserver.on(.get, "/event/", repeating: answer)
            let bot = try await test.startReady()
            test.homeserver.on(.get, "/sync", sync("s41_1", message("$p2", "!fed help")))
            try await eventually("the command is answered") { test.sentTransactions == ["fedbot.reply.$p2"] }
            #expect(await bot.stop() == nil)
            let reply = test.homeserver.requests(.put, "/send/").last?.json?["body"]?.string ?? ""
            #expect(reply == "⚠️ Could not read your command again: please send it again.", "\(reply)")
        }
    }
}
