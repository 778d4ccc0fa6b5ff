import FedBotCore
import FedBotLab
import FedBotModels
import Foundation
import Logging
import MatrixClient

/// A human on the lab's homeserver A (alice, mallory…), driven through the real client-server API.
struct MatrixUser: Sendable {
    let connection: HomeserverConnection
    let userID: String

    init(lab: Lab, user: LabUser, server: LabServer? = nil) {
        connection = HomeserverConnection(
            baseURL: (server ?? lab.info.a).clientURL, accessToken: user.accessToken,
            transport: AsyncHTTPClientTransport(), logger: Logger(label: "test-user"))
        userID = user.userID
    }

    static let v3 = ["_matrix", "client", "v3"]

    /// Sends a message; returns its event ID.
    @discardableResult
    func send(_ roomID: String, _ content: JSONValue, type: String = "m.room.message") async throws -> String {
        struct Answer: Decodable { var event_id: String }
        return try await connection.json(
            Answer.self, .put, Self.v3 + ["rooms", roomID, "send", type, UUID().uuidString],
            body: HomeserverConnection.body(content), retry: .idempotent
        ).event_id
    }

    /// Sends `m.text` (or another msgtype).
    @discardableResult
    func say(_ roomID: String, _ text: String, msgtype: String = "m.text", relatesTo: JSONValue? = nil) async throws
        -> String
    {
        var content: [String: JSONValue] = ["msgtype": .string(msgtype), "body": .string(text)]
        if let relatesTo { content["m.relates_to"] = relatesTo }
        return try await send(roomID, .object(content))
    }

    /// Creates a private room, inviting `invite`; returns its ID.
    func createRoom(
        name: String, invite: [String], encrypted: Bool = false, powerLevels: [String: Int]? = nil,
        aliasName: String? = nil
    ) async throws -> String {
        struct Answer: Decodable { var room_id: String }
        var body: [String: JSONValue] = [
            "name": .string(name), "preset": .string("private_chat"), "invite": .array(invite.map(JSONValue.string)),
        ]
        if let aliasName { body["room_alias_name"] = .string(aliasName) }
        if encrypted {
            body["initial_state"] = .array([
                .object([
                    "type": .string("m.room.encryption"), "state_key": .string(""),
                    "content": .object(["algorithm": .string("m.megolm.v1.aes-sha2")]),
                ])
            ])
        }
        if let powerLevels {
            body["power_level_content_override"] = .object([
                "users": .object(powerLevels.mapValues { .number(Double($0)) })
            ])
        }
        return try await connection.json(
            Answer.self, .post, Self.v3 + ["createRoom"], body: HomeserverConnection.body(JSONValue.object(body)),
            retry: .none
        ).room_id
    }

    func invite(_ roomID: String, _ user: String) async throws {
        _ = try await connection.send(
            .post, Self.v3 + ["rooms", roomID, "invite"],
            body: HomeserverConnection.body(JSONValue.object(["user_id": .string(user)])), retry: .none)
    }

    func join(_ roomID: String) async throws {
        _ = try await connection.send(.post, Self.v3 + ["join", roomID], body: Data("{}".utf8), retry: .idempotent)
    }

    /// The latest `limit` message events of a room, oldest first.
    func messages(_ roomID: String, limit: Int = 100) async throws -> [ClientEvent] {
        struct Answer: Decodable { var chunk: [ClientEvent] }
        let answer = try await connection.json(
            Answer.self, .get, Self.v3 + ["rooms", roomID, "messages"],
            query: [("dir", "b"), ("limit", String(limit))], retry: .idempotent)
        return answer.chunk.reversed()
    }

    /// Membership of `user` in a room (join, invite, leave…), nil when none.
    func membership(_ roomID: String, of user: String) async throws -> String? {
        let matrix = MatrixClient(connection: connection)
        guard let room = RoomID(roomID) else { return nil }
        return try await matrix.state(room, type: "m.room.member", stateKey: user)?["membership"]?.string
    }

    /// Replies (by `m.in_reply_to`) to `eventID` from `sender`.
    func replies(to eventID: String, from sender: String, in roomID: String, limit: Int = 100) async throws
        -> [ClientEvent]
    {
        try await messages(roomID, limit: limit).filter { event in
            event.sender == sender && event.type == "m.room.message"
                && event.content["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.string == eventID
        }
    }

    /// Waits (bounded) until `count` replies to `eventID` exist, then a little more to catch duplicates.
    func waitForReplies(
        to eventID: String, from sender: String, in roomID: String, count: Int = 1, timeout: Duration = .seconds(30),
        settle: Duration = .milliseconds(1500)
    ) async throws -> [ClientEvent] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let found = try await replies(to: eventID, from: sender, in: roomID)
            if found.count >= count {
                try await Task.sleep(for: settle)
                return try await replies(to: eventID, from: sender, in: roomID)
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try await replies(to: eventID, from: sender, in: roomID)
    }
}
