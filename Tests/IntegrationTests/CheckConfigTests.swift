import FedBotCore
import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import Synchronization
import Testing

/// `fedbot check-config` against good and broken setups, and `fedbot login`.
@Suite("check-config and login", .serialized)
struct CheckConfigTests {
    final class Output: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// Writes a config for the lab's A with `token` and `rooms`, runs check-config, returns status and lines.
    static func check(
        _ lab: Lab, directory: String, token: String, rooms: [String], extra: String = ""
    ) async throws -> (OneShot.ExitStatus, [String]) {
        let path = directory + "/check.yaml"
        let yaml = """
            homeserver:
              url: "\(lab.info.a.clientURL)"
            bot:
              rooms: [\(rooms.map { "\"\($0)\"" }.joined(separator: ", "))]
            storage:
              path: "\(directory)/check.sqlite"
            \(extra)
            """
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        let output = Output()
        let status = await CheckConfig.run(
            explicitConfig: path, environment: ["FEDBOT_ACCESS_TOKEN": token], currentDirectory: directory,
            logger: quietLogger("check"), print: { output.append($0) })
        return (status, output.all)
    }

    @Test("good config passes; bad token, non-admin token, room not joined, encrypted room fail with one line each")
    func checklist() async throws {
        try await Lab.with(LabOptions()) { lab in
            let harness = try await BotHarness.make(lab: lab)
            defer { harness.cleanUp() }
            let users = lab.info.users
            let bot = MatrixUser(lab: lab, user: users.admin)
            try await bot.join(harness.adminRoom)

            let (ok, good) = try await Self.check(
                lab, directory: harness.directory, token: users.admin.accessToken, rooms: [harness.adminRoom])
            #expect(ok == .success, "\(good)")
            #expect(good.contains { $0.hasPrefix("✓ token: valid for \(users.admin.userID)") })
            #expect(good.contains { $0.hasPrefix("✓ admin API: Synapse") })
            #expect(good.contains { $0.hasPrefix("✓ admin room \(harness.adminRoom): joined, not encrypted") })
            #expect(good.contains { $0.hasPrefix("✓ state file:") })
            #expect(good.last == "All checks passed." || good.last?.hasPrefix("No problems") == true)

            let (badTokenStatus, badToken) = try await Self.check(
                lab, directory: harness.directory, token: "syt_wrong", rooms: [harness.adminRoom])
            #expect(badTokenStatus == .apiError)
            #expect(badToken.contains { $0.hasPrefix("✗ token: rejected") })
            #expect(!badToken.joined().contains("syt_wrong"))

            let (notAdminStatus, notAdmin) = try await Self.check(
                lab, directory: harness.directory, token: users.mallory.accessToken, rooms: [harness.adminRoom])
            #expect(notAdminStatus == .apiError)
            #expect(notAdmin.contains { $0.hasPrefix("✗ admin API:") && $0.contains("not a server admin") })

            let elsewhere = try await harness.alice.createRoom(name: "no bot", invite: [])
            let invitedRoom = try await harness.alice.createRoom(name: "bot invited", invite: [users.admin.userID])
            let encrypted = try await harness.alice.createRoom(
                name: "secret", invite: [users.admin.userID], encrypted: true)
            try await bot.join(encrypted)
            let (roomsStatus, rooms) = try await Self.check(
                lab, directory: harness.directory, token: users.admin.accessToken,
                rooms: [elsewhere, invitedRoom, encrypted])
            #expect(roomsStatus == .apiError)
            #expect(
                rooms.contains {
                    $0.hasPrefix("✗ admin room \(elsewhere): \(users.admin.userID) is not in this room and not invited")
                })
            #expect(rooms.contains { $0.hasPrefix("⚠ admin room \(invitedRoom): invited, not joined yet") })
            #expect(
                rooms.contains {
                    $0.hasPrefix("✗ admin room \(encrypted): encrypted: fedbot cannot read commands here")
                })
            #expect(rooms.last == "2 problems found.")

            // An invalid config is exit status 2, with the problem named.
            let (invalidStatus, invalid) = try await Self.check(
                lab, directory: harness.directory, token: users.admin.accessToken, rooms: [harness.adminRoom],
                extra: "bot:\n  prefx: \"!x\"")
            #expect(invalidStatus == .usageError)
            #expect(invalid.first?.hasPrefix("✗ config:") == true)
        }
    }

    @Test("login writes the token with mode 0600 and prints the config lines; a wrong password exits 1")
    func login() async throws {
        try await Lab.with(LabOptions()) { lab in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "fedbot-login-\(UUID().uuidString.prefix(8))"
            ).path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let tokenFile = directory + "/token"
            let output = Output()
            let errors = Output()
            let wrong = await Login.run(
                homeserver: lab.info.a.clientURL, user: "alice", password: "not the password", deviceID: "FEDBOT",
                tokenFile: tokenFile, logger: quietLogger("login"), print: { output.append($0) },
                printError: { errors.append($0) })
            #expect(wrong == .apiError)
            #expect(errors.all == ["fedbot: login failed: wrong user name or password"])
            #expect(!FileManager.default.fileExists(atPath: tokenFile))

            let status = await Login.run(
                homeserver: lab.info.a.clientURL, user: "alice", password: lab.info.users.alice.password,
                deviceID: "FEDBOT", tokenFile: tokenFile, logger: quietLogger("login"), print: { output.append($0) },
                printError: { errors.append($0) })
            #expect(status == .success)
            let attributes = try FileManager.default.attributesOfItem(atPath: tokenFile)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
            #expect(!token.isEmpty)
            #expect(!output.all.joined().contains(token), "the token is never printed")
            #expect(output.all.contains("  access_token_file: \"\(tokenFile)\""))
            // The token works.
            let user = MatrixClient(
                connection: HomeserverConnection(
                    baseURL: lab.info.a.clientURL, accessToken: token, transport: AsyncHTTPClientTransport(),
                    logger: quietLogger("login")))
            #expect(try await user.whoAmI().deviceID == "FEDBOT")
        }
    }
}
