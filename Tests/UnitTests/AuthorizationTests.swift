import FedBotCore
import FedBotModels
import Foundation
import MatrixClient
import Testing

private func user(_ text: String) -> UserID {
    guard let id = UserID(text) else { fatalError("test data: \(text) is not a user ID") }
    return id
}

/// `m.room.power_levels` content as it arrives in `/sync` or `/state`.
private func powerLevels(_ json: String) throws -> PowerLevels {
    PowerLevels(content: try JSONDecoder().decode([String: JSONValue].self, from: Data(json.utf8)))
}

@Suite struct AuthorizationTests {
    let alice = user("@alice:example.org")
    let bob = user("@bob:example.org")
    let carol = user("@carol:other.org")
    let authorizer = Authorizer(operators: [user("@alice:example.org")], minPowerLevel: 50)

    @Test func operatorsAreAlwaysAllowed() throws {
        let levels = try powerLevels(#"{"users": {"@alice:example.org": 0}, "users_default": 0}"#)
        #expect(authorizer.decide(sender: alice, in: RoomAuthority(powerLevels: levels)) == .operatorAllowed)
        #expect(authorizer.decide(sender: alice, in: RoomAuthority(powerLevels: nil)) == .operatorAllowed)
        // Operators are matched by their full ID, not the local part.
        #expect(
            authorizer.decide(sender: user("@alice:evil.example"), in: RoomAuthority(powerLevels: levels)).isAllowed
                == false)
    }

    @Test(arguments: [(100, true), (51, true), (50, true), (49, false), (0, false), (-5, false)])
    func powerLevelAgainstTheMinimum(level: Int, allowed: Bool) throws {
        let levels = PowerLevels(users: [bob.rawValue: level], usersDefault: 0)
        let decision = authorizer.decide(sender: bob, in: RoomAuthority(powerLevels: levels))
        #expect(decision.isAllowed == allowed)
        #expect(decision == (allowed ? .powerLevelAllowed(level: level) : .refused(level: level)))
    }

    @Test func usersDefaultAppliesToUnlistedUsers() throws {
        let levels = try powerLevels(#"{"users": {"@bob:example.org": 10}, "users_default": 50}"#)
        let room = RoomAuthority(powerLevels: levels)
        #expect(authorizer.decide(sender: carol, in: room) == .powerLevelAllowed(level: 50))
        // An explicit entry wins over users_default, also when it is lower.
        #expect(authorizer.decide(sender: bob, in: room) == .refused(level: 10))
        let noDefault = try powerLevels(#"{"users": {}}"#)
        #expect(authorizer.decide(sender: carol, in: RoomAuthority(powerLevels: noDefault)) == .refused(level: 0))
    }

    @Test func withoutPowerLevelsTheCreatorHas100AndOthers0() {
        let room = RoomAuthority(powerLevels: nil, creators: [bob], roomVersion: "10")
        #expect(room.powerLevel(of: bob) == 100)
        #expect(room.powerLevel(of: carol) == 0)
        #expect(authorizer.decide(sender: bob, in: room) == .powerLevelAllowed(level: 100))
        #expect(authorizer.decide(sender: carol, in: room) == .refused(level: 0))
    }

    @Test func roomVersion12CreatorsHaveUnlimitedPower() throws {
        // From room version 12 the creators are not in `users` and outrank everyone.
        let levels = try powerLevels(#"{"users": {"@carol:other.org": 100}, "users_default": 0}"#)
        let room = RoomAuthority(powerLevels: levels, creators: [bob, user("@dave:example.org")], roomVersion: "12")
        #expect(room.powerLevel(of: bob) == nil)
        #expect(authorizer.decide(sender: bob, in: room) == .powerLevelAllowed(level: nil))
        #expect(authorizer.decide(sender: user("@dave:example.org"), in: room) == .powerLevelAllowed(level: nil))
        #expect(authorizer.decide(sender: carol, in: room) == .powerLevelAllowed(level: 100))
        #expect(authorizer.decide(sender: user("@eve:example.org"), in: room) == .refused(level: 0))
        // Also without a power_levels event, and in later versions.
        #expect(RoomAuthority(powerLevels: nil, creators: [bob], roomVersion: "12").powerLevel(of: bob) == nil)
        #expect(RoomAuthority(powerLevels: levels, creators: [bob], roomVersion: "13").powerLevel(of: bob) == nil)
    }

    @Test func olderRoomVersionsGiveCreatorsOnlyTheirListedLevel() throws {
        let levels = try powerLevels(#"{"users": {"@bob:example.org": 0}}"#)
        for version in ["1", "11", "org.matrix.custom", nil] as [String?] {
            let room = RoomAuthority(powerLevels: levels, creators: [bob], roomVersion: version)
            #expect(authorizer.decide(sender: bob, in: room) == .refused(level: 0), "\(version ?? "nil")")
        }
    }

    @Test func numericStringsFromOldRooms() throws {
        let levels = try powerLevels(
            #"{"users": {"@bob:example.org": "75", "@carol:other.org": " 20 "}, "users_default": "50"}"#)
        #expect(levels.users == ["@bob:example.org": 75, "@carol:other.org": 20])
        #expect(levels.usersDefault == 50)
        #expect(authorizer.decide(sender: bob, in: RoomAuthority(powerLevels: levels)) == .powerLevelAllowed(level: 75))
        #expect(authorizer.decide(sender: carol, in: RoomAuthority(powerLevels: levels)) == .refused(level: 20))
    }

    @Test func junkValuesAreIgnored() throws {
        let levels = try powerLevels(
            #"""
            {"users": {"@bob:example.org": true, "@carol:other.org": "lots", "@dave:example.org": 50.5,
                       "@eve:example.org": null, "@frank:example.org": {"level": 100}, "@gina:example.org": 1e300,
                       "@hank:example.org": 60, "@ivan:example.org": 1, "@judy:example.org": 0},
             "users_default": "high"}
            """#)
        #expect(levels.users == ["@hank:example.org": 60, "@ivan:example.org": 1, "@judy:example.org": 0])
        #expect(levels.usersDefault == 0)
        #expect(authorizer.decide(sender: bob, in: RoomAuthority(powerLevels: levels)) == .refused(level: 0))
        #expect(
            authorizer.decide(sender: user("@gina:example.org"), in: RoomAuthority(powerLevels: levels))
                == .refused(level: 0))
        // Junk users_default with a real users map, and a users map that is not an object.
        let odd = try powerLevels(#"{"users": ["@bob:example.org"], "users_default": 55}"#)
        #expect(odd.users.isEmpty)
        #expect(authorizer.decide(sender: bob, in: RoomAuthority(powerLevels: odd)) == .powerLevelAllowed(level: 55))
        #expect(try powerLevels("{}") == PowerLevels())
    }

    @Test func refusalNamesTheRequirement() {
        let reply = authorizer.refusal(prefix: "!fed")
        #expect(
            reply.plain
                == "⛔ Only the bot's operators and members with power level 50 or more in this room can use !fed.")
        #expect(
            reply.html
                == "<p>⛔ Only the bot&#39;s operators and members with power level 50 or more in this room can use <code>!fed</code>.</p>"
        )
    }
}
