import FedBotCore
import FedBotModels
import FedBotRuntime
import Testing

/// `fedbot setup`'s pure parts: the `createRoom` bodies, the power levels, the record, the `--invite` check.
@Suite struct SetupRoomsTests {
    static let bot = userID("@fedbot:example.org")
    static let alice = userID("@alice:example.org")
    static let bob = userID("@bob:other.example")

    @Test(arguments: SetupRooms.Role.allCases)
    func roomsAreInviteOnlyUnencryptedNamedAndGiveTheAdmins100(_ role: SetupRooms.Role) throws {
        let body = SetupRooms.createRoomBody(
            role: role, admins: [Self.alice, Self.bob], bot: Self.bot, roomVersion: "10")
        #expect(body["name"]?.string == role.name)
        #expect(body["topic"]?.string == role.topic)
        #expect(body["visibility"]?.string == "private")
        #expect(body["room_version"]?.string == "10")
        #expect(body["invite"] == nil, "invites go out only once the room is known to be unencrypted")
        let state = try #require(body["initial_state"]?.array)
        #expect(!state.contains { $0["type"]?.string == "m.room.encryption" })
        let joinRule = state.first { $0["type"]?.string == "m.room.join_rules" }
        #expect(joinRule?["content"]?["join_rule"]?.string == "invite")
        let guests = state.first { $0["type"]?.string == "m.room.guest_access" }
        #expect(guests?["content"]?["guest_access"]?.string == "forbidden")
        let marker = state.first { $0["type"]?.string == SetupRooms.markerType }
        #expect(marker?["content"] == .object(["role": .string(role.rawValue)]))
        let users = body["power_level_content_override"]?["users"]
        #expect(
            users
                == .object([
                    "@alice:example.org": .number(100), "@bob:other.example": .number(100),
                    "@fedbot:example.org": .number(100),
                ]))
    }

    @Test func topicsSayWhatTheRoomsAre() {
        #expect(SetupRooms.Role.admin.topic.contains("!fed help"))
        #expect(SetupRooms.Role.notices.topic.contains("federation with a server fails"))
        #expect(SetupRooms.Role.admin.name == "fedbot admin")
        #expect(SetupRooms.Role.notices.name == "fedbot notices")
    }

    @Test(arguments: ["12", "13"])
    func fromRoomVersion12TheCreatingBotIsNotListed(_ version: String) {
        let body = SetupRooms.createRoomBody(
            role: .admin, admins: [Self.alice, Self.bot], bot: Self.bot, roomVersion: version)
        #expect(body["power_level_content_override"]?["users"] == .object(["@alice:example.org": .number(100)]))
    }

    @Test func anUnknownDefaultVersionIsLeftToTheServerAndTheBotListed() {
        let body = SetupRooms.createRoomBody(role: .notices, admins: [Self.alice], bot: Self.bot, roomVersion: nil)
        #expect(body["room_version"] == nil)
        #expect(body["power_level_content_override"]?["users"]?["@fedbot:example.org"] == .number(100))
        #expect(!SetupRooms.creatorsArePrivileged(roomVersion: "org.example.custom"))
        #expect(!SetupRooms.creatorsArePrivileged(roomVersion: "11"))
    }

    @Test func laterAdminsAreRaisedNeverLowered() {
        let current: JSONValue = .object([
            "users": .object(["@alice:example.org": .number(100), "@bob:other.example": .number(50)]),
            "events_default": .number(0),
        ])
        let raised = SetupRooms.raisingAdmins(current, admins: [Self.alice, Self.bob])
        #expect(raised?["users"]?["@bob:other.example"] == .number(100))
        #expect(raised?["users"]?["@alice:example.org"] == .number(100))
        #expect(raised?["events_default"] == .number(0))
        #expect(SetupRooms.raisingAdmins(raised, admins: [Self.alice, Self.bob]) == nil)
        let higher: JSONValue = .object(["users": .object(["@alice:example.org": .string("150")])])
        #expect(SetupRooms.raisingAdmins(higher, admins: [Self.alice]) == nil)
    }

    @Test func theRecordRoundTripsAndSkipsJunk() throws {
        let admin = try #require(RoomID("!admin:example.org"))
        let notices = try #require(RoomID("!notices"))
        let record = SetupRooms.Record(rooms: [.admin: admin, .notices: notices])
        #expect(SetupRooms.Record(content: record.content) == record)
        let junk: JSONValue = .object(["admin_room": .string("not a room"), "notices_room": .number(3)])
        #expect(SetupRooms.Record(content: junk).rooms.isEmpty)
        #expect(SetupRooms.Record(content: nil).rooms.isEmpty)
    }

    @Test func theConfigLines() throws {
        let lines = SetupRooms.configLines(admin: try #require(RoomID("!a:x.org")), notices: try #require(RoomID("!n")))
        #expect(lines == ["bot:", "  rooms: [\"!a:x.org\"]", "notices:", "  rooms: [\"!n\"]"])
    }

    @Test func invitesAreCheckedFirstInOneLine() {
        #expect(
            Setup.parseInvites(["@alice:example.org", "@bob:other.example", "@alice:example.org"])
                == .success([Self.alice, Self.bob]))
        for bad in ["alice", "@alice", "@alice:", "@al ice:example.org", "@alice:exa mple.org", "#ops:example.org"] {
            guard case .failure(let problem) = Setup.parseInvites(["@alice:example.org", bad]) else {
                Issue.record("\(bad) accepted")
                continue
            }
            #expect(problem.description.hasPrefix("--invite \"\(bad)\": expected a user ID"))
            #expect(!problem.description.contains("\n"))
        }
        guard case .failure(let none) = Setup.parseInvites([]) else {
            Issue.record("no --invite accepted")
            return
        }
        #expect(none.description.hasPrefix("setup needs at least one --invite USER"))
    }
}
