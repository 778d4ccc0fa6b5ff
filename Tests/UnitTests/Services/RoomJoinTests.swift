import FedBotCore
import FedBotModels
import Foundation
import MatrixClient
import Testing

@testable import FedBotRuntime

/// Configured rooms over a scripted homeserver: aliases are pinned, failed joins are retried.
@Suite struct RoomJoinTests {
    static let alias = "#ops:127.0.0.1:12754"
    static let evil = "!evilroom:127.0.0.1:12754"

    static func inviteSync(_ room: String, sender: String) -> HTTPResponse {
        ScriptedHomeserver.reply(
            200,
            #"""
            {"next_batch":"s99","rooms":{"invite":{"\#(room)":{"invite_state":{"events":[
              {"type":"m.room.canonical_alias","sender":"\#(sender)","state_key":"","content":{"alias":"\#(alias)"}},
              {"type":"m.room.member","sender":"\#(sender)","state_key":"@admin:127.0.0.1:12754",
               "content":{"membership":"invite"}}]}}}}}
            """#)
    }

    @Test("an alias is pinned to the room it named at start: re-pointed at another room, an invite there is declined")
    func aliasRepointed() async throws {
        var test = try TestBot()
        defer { test.cleanUp() }
        test.config.bot.rooms = [.alias(try #require(RoomAlias(Self.alias)))]
        try test.scriptStartUp()
        // Start-up joins the alias: Synapse resolves it to the admin room.
        test.homeserver.on(
            .get, "/directory/room/",
            repeating: ScriptedHomeserver.reply(200, #"{"room_id":"\#(Self.evil)","servers":["127.0.0.1:12754"]}"#))
        test.homeserver.on(.post, "/leave", repeating: ScriptedHomeserver.reply(200, "{}"))
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        let bot = try await test.startReady()
        // Meanwhile someone who may edit the alias pointed it at her own room and invites the bot there.
        test.homeserver.on(.get, "/sync", Self.inviteSync(Self.evil, sender: "@mallory:127.0.0.1:12754"))
        try await eventually("the invite is declined") {
            !test.homeserver.requests(.post, "/rooms/\(Self.evil)/leave").isEmpty
        }
        #expect(test.homeserver.requests(.post, "/join/\(Self.evil)").isEmpty)
        // The room the alias named at start still works.
        test.homeserver.on(.get, "/sync", try Fixture.response("sync-command"))
        try await eventually("the command in the pinned room is answered") {
            test.sentTransactions.contains("fedbot.reply.\(Fixture.Lab.commandEvent)")
        }
        #expect(await bot.stop() == nil)
    }

    @Test("an alias that could not be resolved at start is pinned at its first resolution")
    func aliasPinnedAtFirstResolution() async throws {
        let alias = try #require(RoomAlias(Self.alias))
        let directory = RoomDirectory(
            adminRooms: [.alias(alias)], noticeRooms: [], clock: ManualClock(), logger: TestBot.quietLogger)
        let first = try #require(RoomID("!first:127.0.0.1:12754"))
        let evil = try #require(RoomID(Self.evil))
        #expect(await directory.isConfigured(first, resolve: { _ in nil }) == false)
        #expect(await directory.isConfigured(first, resolve: { _ in first }))
        #expect(await directory.isConfigured(evil, resolve: { _ in evil }) == false)
        #expect(await directory.isConfigured(first, resolve: { _ in evil }))
        #expect(await directory.adminRoomIDs == [first])
    }

    @Test("a configured notice room whose join fails at start (502s) is joined in the background; notices go there")
    func joinRetried() async throws {
        var test = try TestBot()
        defer { test.cleanUp() }
        test.config.bot.rooms = []
        test.config.notices.rooms = [.id(Fixture.Lab.adminRoom)]
        test.config.notices.interval = .seconds(60)
        let badGateway = ScriptedHomeserver.reply(502, "<html>Bad Gateway</html>")
        // As many 502s as one join's own retries (4 attempts): start-up gives up on the room.
        test.homeserver.on(
            .post, "/join/", badGateway, badGateway, badGateway, badGateway, repeating: try Fixture.response("join"))
        try test.scriptStartUp()
        test.homeserver.on(.get, "/rooms", repeating: try Fixture.response("destination-rooms"))
        test.homeserver.on(.get, "/federation/destinations", repeating: try Fixture.response("destinations-failing"))
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        let bot = try test.start()
        try await eventually("the room is joined and the baseline notice goes there") {
            test.clock.advance(by: .seconds(1))
            return test.sentTransactions.contains { $0.hasPrefix("fedbot.notice.") }
        }
        #expect(test.homeserver.requests(.post, "/join/").count == 5)
        let notice = try #require(test.homeserver.requests(.put, "/send/").first)
        #expect(notice.path.contains("/rooms/\(Fixture.Lab.adminRoom)/send/"))
        #expect(await bot.stop() == nil)
    }

    @Test("an alias room joined in the background during a long-poll: the sync filter is re-uploaded at once")
    func filterFollowsBackgroundJoin() async throws {
        var test = try TestBot()
        defer { test.cleanUp() }
        test.config.bot.rooms = [.alias(try #require(RoomAlias(Self.alias)))]
        let badGateway = ScriptedHomeserver.reply(502, "<html>Bad Gateway</html>")
        // Synapse answers 502 for a while: neither the join (twice 4 attempts) nor the alias's resolution
        // works at start.
        test.homeserver.on(.post, "/join/", badGateway, badGateway, badGateway, badGateway)
        test.homeserver.on(.post, "/join/", badGateway, badGateway, badGateway, badGateway)
        test.homeserver.on(.get, "/directory/room/", repeating: badGateway)
        try test.scriptStartUp()
        let bot = try test.start()
        let store = try test.openStore()
        try await eventually("the first sync is stored") {
            test.clock.advance(by: .milliseconds(100))
            return try await store.value(BotStore.Key.nextBatch) != nil
        }
        try await eventually("the long-poll is waiting") { test.homeserver.requests(.get, "/sync").count == 2 }
        #expect(test.homeserver.requests(.post, "/filter").count == 1)
        try await eventually("the room is joined and the filter re-uploaded") {
            test.clock.advance(by: .seconds(1))
            return test.homeserver.requests(.post, "/filter").count == 2
        }
        let filter = try #require(test.homeserver.requests(.post, "/filter").last?.json)
        #expect(filter["room"]?["rooms"] == .array([.string(Fixture.Lab.adminRoom.rawValue)]))
        try await eventually("the sync goes on with the new filter") {
            test.homeserver.requests(.get, "/sync").count == 3
        }
        #expect(await bot.stop() == nil)
    }
}
