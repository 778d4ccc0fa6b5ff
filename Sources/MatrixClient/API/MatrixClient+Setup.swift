public import FedBotModels
import Foundation

/// What `fedbot setup` needs beyond the bot's everyday calls: room creation, invites, state writes,
/// the account's own account data and the server's default room version.
extension MatrixClient {
    /// `POST /createRoom` with `body` (built by `SetupRooms`); returns the new room's ID. Not retried:
    /// a retry after a lost answer would make a second room.
    public func createRoom(_ body: JSONValue) async throws -> RoomID {
        struct Answer: Decodable { var room_id: RoomID }
        return try await connection.json(
            Answer.self, .post, Self.v3 + ["createRoom"], body: HomeserverConnection.body(body), retry: .none
        ).room_id
    }

    /// `POST /rooms/{roomId}/invite`.
    public func invite(_ user: UserID, to room: RoomID) async throws {
        _ = try await connection.send(
            .post, Self.v3 + ["rooms", room.rawValue, "invite"],
            body: HomeserverConnection.body(JSONValue.object(["user_id": .string(user.rawValue)])), retry: .none)
    }

    /// `PUT /rooms/{roomId}/state/{type}/{stateKey}`.
    public func setState(_ room: RoomID, type: String, stateKey: String = "", content: JSONValue) async throws {
        _ = try await connection.send(
            .put, Self.v3 + ["rooms", room.rawValue, "state", type, stateKey],
            body: HomeserverConnection.body(content), retry: .idempotent)
    }

    /// `POST /rooms/{roomId}/forget` (after leaving): the room drops out of the account's room list.
    public func forget(_ room: RoomID) async throws {
        _ = try await connection.send(
            .post, Self.v3 + ["rooms", room.rawValue, "forget"], body: Data("{}".utf8), retry: .idempotent)
    }

    /// `GET /user/{userId}/account_data/{type}`: the content, or nil when the account has none of that type.
    public func accountData(_ type: String, of user: UserID) async throws -> JSONValue? {
        do {
            return try await connection.json(
                JSONValue.self, .get, Self.v3 + ["user", user.rawValue, "account_data", type], retry: .idempotent)
        } catch let error as MatrixError where error.status == 404 && error.errcode == "M_NOT_FOUND" {
            return nil
        }
    }

    /// `PUT /user/{userId}/account_data/{type}`: only the account itself can read or write it.
    public func setAccountData(_ type: String, of user: UserID, content: JSONValue) async throws {
        _ = try await connection.send(
            .put, Self.v3 + ["user", user.rawValue, "account_data", type],
            body: HomeserverConnection.body(content), retry: .idempotent)
    }

    /// `GET /capabilities`: the room version new rooms get (`m.room_versions.default`), nil when not said.
    public func defaultRoomVersion() async throws -> String? {
        let answer = try await connection.json(JSONValue.self, .get, Self.v3 + ["capabilities"], retry: .idempotent)
        return answer["capabilities"]?["m.room_versions"]?["default"]?.string
    }
}
