import FedBotCore
import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import Synchronization
import Testing

/// `fedbot setup` against the real lab: one pair of rooms however often it runs, an invited admin who can
/// use the bot right away, and a homeserver that encrypts every new room.
@Suite("fedbot setup", .serialized)
struct SetupTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// A harness whose config has the homeserver and the state file but no rooms: setup adds them.
    static func harness(_ lab: Lab) throws -> BotHarness {
        let users = lab.info.users
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("fedbot-setup-\(UUID().uuidString.prefix(8).lowercased())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let harness = BotHarness(
            lab: lab, directory: directory, adminRoom: "", noticeRoom: "", noticeInterval: nil, noticeOptions: "",
            alice: MatrixUser(lab: lab, user: users.alice), mallory: MatrixUser(lab: lab, user: users.mallory),
            botUser: users.admin.userID)
        let tokenPath = directory + "/token"
        try Data(users.admin.accessToken.utf8).write(to: URL(fileURLWithPath: tokenPath))
        chmod(tokenPath, 0o600)
        let yaml = """
            # fedbot for the lab
            homeserver:
              url: "\(lab.info.a.clientURL)"  # A
              access_token_file: "\(tokenPath)"
            bot:
              # setup fills this in
              rooms: []
            storage:
              path: "\(harness.storePath)"
            """
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: harness.configPath))
        chmod(harness.configPath, 0o600)
        return harness
    }

    static func setup(_ harness: BotHarness, invite: [String], writeConfig: Bool = true) async
        -> (status: OneShot.ExitStatus, output: [String], errors: [String])
    {
        let output = Lines()
        let errors = Lines()
        let status = await Setup.run(
            invites: invite, writeConfig: writeConfig, explicitConfig: harness.configPath, environment: [:],
            currentDirectory: harness.directory, logger: quietLogger("setup"), print: { output.append($0) },
            printError: { errors.append($0) })
        return (status, output.all, errors.all)
    }

    @Test(
        "setup twice makes one pair; an invited admin runs !fed list in the admin room (SQLite and PostgreSQL)",
        arguments: LabDatabase.allCases)
    func twiceOnePairAndAnInvitedAdminUsesIt(db: LabDatabase) async throws {
        try await Lab.with(LabOptions(db: db)) { lab in
            let harness = try Self.harness(lab)
            defer { harness.cleanUp() }
            let users = lab.info.users
            let bot = MatrixClient(connection: MatrixUser(lab: lab, user: users.admin).connection)
            let before = Set(try await bot.joinedRooms())

            let first = await Self.setup(harness, invite: [users.alice.userID])
            #expect(first.status == .success, "\(first.errors)")
            let config = try harness.loadConfig()
            let admin = try #require(config.bot.rooms.first.flatMap { RoomID($0.rawValue) })
            let notices = try #require(config.notices.rooms.first.flatMap { RoomID($0.rawValue) })
            #expect(config.bot.rooms.count == 1 && config.notices.rooms.count == 1)
            let text = try String(contentsOfFile: harness.configPath, encoding: .utf8)
            #expect(text.contains("# setup fills this in") && text.contains("  url: \"\(lab.info.a.clientURL)\"  # A"))
            let mode = try FileManager.default.attributesOfItem(atPath: harness.configPath)[.posixPermissions]
            #expect((mode as? NSNumber)?.intValue == 0o600)
            #expect(Set(try await bot.joinedRooms()).subtracting(before) == [admin, notices])

            for room in [admin, notices] {
                #expect(try await bot.state(room, type: "m.room.encryption") == nil)
                #expect(try await bot.state(room, type: "m.room.join_rules")?["join_rule"]?.string == "invite")
                #expect(try await bot.state(room, type: "m.room.topic")?["topic"]?.string?.isEmpty == false)
                let levels = try await bot.state(room, type: "m.room.power_levels")
                #expect(levels?["users"]?[users.alice.userID]?.lenientInt == 100)
                let alice = try await bot.state(room, type: "m.room.member", stateKey: users.alice.userID)
                #expect(alice?["membership"]?.string == "invite")
            }
            #expect(try await bot.state(admin, type: "m.room.name")?["name"]?.string == "fedbot admin")

            // Again, now also naming mallory: the same rooms, mallory invited with 100, the file untouched.
            let second = await Self.setup(harness, invite: [users.alice.userID, users.mallory.userID])
            #expect(second.status == .success, "\(second.errors)")
            #expect(second.output.contains { $0.contains("already has these rooms") }, "\(second.output)")
            #expect(try String(contentsOfFile: harness.configPath, encoding: .utf8) == text)
            #expect(Set(try await bot.joinedRooms()).subtracting(before) == [admin, notices])
            let levels = try await bot.state(admin, type: "m.room.power_levels")
            #expect(levels?["users"]?[users.mallory.userID]?.lenientInt == 100)
            let mallory = try await bot.state(admin, type: "m.room.member", stateKey: users.mallory.userID)
            #expect(mallory?["membership"]?.string == "invite")

            // The record lost (a run cut off before writing it): the rooms are found by their marker.
            let me = try #require(UserID(users.admin.userID))
            try await bot.setAccountData(SetupRooms.accountDataType, of: me, content: .object([:]))
            let third = await Self.setup(harness, invite: [users.alice.userID], writeConfig: false)
            #expect(third.status == .success, "\(third.errors)")
            #expect(third.output.filter { $0.contains("made by an earlier setup that was cut off") }.count == 2)
            #expect(Set(try await bot.joinedRooms()).subtracting(before) == [admin, notices])
            let record = try await bot.accountData(SetupRooms.accountDataType, of: me)
            #expect(SetupRooms.Record(content: record).rooms == [.admin: admin, .notices: notices])

            // Alice accepts and asks; the bot (with the written config) answers.
            try await harness.alice.join(admin.rawValue)
            let running = try await harness.startInProcess()
            let command = try await harness.alice.say(admin.rawValue, "!fed list")
            let replies = try await harness.alice.waitForReplies(
                to: command, from: users.admin.userID, in: admin.rawValue)
            _ = await running.stop()
            #expect(replies.count == 1)
            #expect(replies.first?.content["body"]?.string?.hasPrefix("Federation:") == true, "\(replies)")
        }
    }

    @Test(
        "a homeserver that encrypts every new room: said plainly, nothing kept (SQLite and PostgreSQL)",
        arguments: LabDatabase.allCases)
    func forcedEncryption(db: LabDatabase) async throws {
        try await Lab.with(LabOptions(db: db, encryptionByDefault: "all")) { lab in
            let harness = try Self.harness(lab)
            defer { harness.cleanUp() }
            let users = lab.info.users
            let bot = MatrixClient(connection: MatrixUser(lab: lab, user: users.admin).connection)
            let before = Set(try await bot.joinedRooms())
            let text = try String(contentsOfFile: harness.configPath, encoding: .utf8)
            let invitesBefore = try await Self.invites(of: harness.alice)

            let result = await Self.setup(harness, invite: [users.alice.userID])
            #expect(result.status == .apiError)
            let message = result.errors.joined(separator: "\n")
            #expect(message.contains("encryption_enabled_by_default_for_room_type: all"), "\(result.errors)")
            #expect(message.contains("Set it to invite or off"))
            #expect(Set(try await bot.joinedRooms()) == before)
            let me = try #require(UserID(users.admin.userID))
            #expect(try await bot.accountData(SetupRooms.accountDataType, of: me) == nil)
            #expect(try String(contentsOfFile: harness.configPath, encoding: .utf8) == text)
            // Nobody was invited into the encrypted room, and it is gone from the server's room list.
            #expect(try await Self.invites(of: harness.alice) == invitesBefore)
            #expect(message.contains("was purged (admin API)"))
            let admin = MatrixUser(lab: lab, user: users.admin).connection
            var left: Int?
            for _ in 0..<50 {
                let rooms = try await admin.json(
                    JSONValue.self, .get, ["_synapse", "admin", "v1", "rooms"],
                    query: [("search_term", SetupRooms.Role.admin.name)],
                    retry: .idempotent)
                left = rooms["total_rooms"]?.lenientInt
                if left == 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(left == 0, "the encrypted room is still in the database")
        }
    }

    @Test("encryption by default for invite-only rooms: fedbot's rooms are still unencrypted")
    func encryptionForInviteOnlyRooms() async throws {
        try await Lab.with(LabOptions(encryptionByDefault: "invite")) { lab in
            let harness = try Self.harness(lab)
            defer { harness.cleanUp() }
            let bot = MatrixClient(connection: MatrixUser(lab: lab, user: lab.info.users.admin).connection)
            let result = await Self.setup(harness, invite: [lab.info.users.alice.userID])
            #expect(result.status == .success, "\(result.errors)")
            let config = try harness.loadConfig()
            for room in (config.bot.rooms + config.notices.rooms).compactMap({ RoomID($0.rawValue) }) {
                #expect(try await bot.state(room, type: "m.room.encryption") == nil)
                #expect(try await bot.state(room, type: "m.room.join_rules")?["join_rule"]?.string == "invite")
            }
            // A room made the usual private way is encrypted there: the lab option works.
            let alice = harness.alice
            let privateRoom = try await alice.createRoom(name: "private", invite: [])
            let state = try await MatrixClient(connection: alice.connection).state(
                try #require(RoomID(privateRoom)), type: "m.room.encryption")
            #expect(state != nil)
        }
    }

    /// The rooms `user` is invited to (an initial sync).
    static func invites(of user: MatrixUser) async throws -> Set<String> {
        let sync = try await user.connection.json(
            JSONValue.self, .get, MatrixUser.v3 + ["sync"], query: [("timeout", "0")], retry: .idempotent)
        return Set(sync["rooms"]?["invite"]?.object?.keys.map { $0 } ?? [])
    }
}
