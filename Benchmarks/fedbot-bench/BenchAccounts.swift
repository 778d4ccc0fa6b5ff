import FedBotLab
import FedBotModels
import Foundation
import MatrixClient

/// Extra accounts on A for the side-by-side and burst phases, made through the admin API (a server
/// admin for the reference bot, plain users for the burst's admins) and logged in as their owner.
enum BenchAccounts {
    static func make(lab: Lab, localpart: String, admin: Bool) async throws -> LabUser {
        let connection = HomeserverConnection(
            baseURL: lab.info.a.clientURL, accessToken: lab.info.users.admin.accessToken,
            transport: AsyncHTTPClientTransport(), logger: quietLogger("bench-accounts"))
        let userID = "@\(localpart):\(lab.info.a.serverName)"
        let password = "\(localpart)-bench-password"
        let create: JSONValue = .object(["password": .string(password), "admin": .bool(admin)])
        _ = try await connection.send(
            .put, ["_synapse", "admin", "v2", "users", userID], body: HomeserverConnection.body(create),
            retry: .idempotent)
        struct Login: Decodable { var access_token: String }
        let login = try await connection.json(
            Login.self, .post, ["_synapse", "admin", "v1", "users", userID, "login"],
            body: Data("{}".utf8), retry: .none)
        let user: JSONValue = .object([
            "user_id": .string(userID), "access_token": .string(login.access_token), "device_id": .string(""),
            "password": .string(password),
        ])
        return try JSONDecoder().decode(LabUser.self, from: HomeserverConnection.body(user))
    }

    /// Round trips until one is answered (the bot may still be in its initial sync), then `extra` more.
    static func warmUp(_ conversation: Conversation, _ text: String, extra: Int = 2) async throws {
        var answered = false
        for _ in 0..<12 where !answered {
            answered = (try? await conversation.roundTrip(text, timeout: .seconds(10))) != nil
        }
        guard answered else { throw BenchError("no answer to \"\(text)\" in \(conversation.room) within 2 minutes") }
        for _ in 0..<extra { _ = try await conversation.roundTrip(text, timeout: .seconds(60)) }
    }
}
