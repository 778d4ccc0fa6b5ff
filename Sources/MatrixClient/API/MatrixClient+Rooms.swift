public import FedBotModels
public import Foundation

extension MatrixClient {
    /// `POST /login` with a password. Returns the new token and device; the caller stores them.
    public struct LoginResult: Sendable, Decodable {
        public var userID: UserID
        public var accessToken: String
        public var deviceID: String

        enum CodingKeys: String, CodingKey {
            case userID = "user_id"
            case accessToken = "access_token"
            case deviceID = "device_id"
        }
    }

    /// Password login. `deviceID` keeps the device (and transaction-ID scope) stable across logins.
    public func login(user: String, password: String, deviceID: String?, displayName: String) async throws
        -> LoginResult
    {
        struct Identifier: Encodable {
            var type = "m.id.user"
            var user: String
        }
        struct Body: Encodable {
            var type = "m.login.password"
            var identifier: Identifier
            var password: String
            var device_id: String?
            var initial_device_display_name: String
        }
        let body = try HomeserverConnection.body(
            Body(
                identifier: Identifier(user: user), password: password, device_id: deviceID,
                initial_device_display_name: displayName))
        return try await connection.with(accessToken: nil)
            .json(LoginResult.self, .post, Self.v3 + ["login"], body: body, retry: .none)
    }

    /// `POST /user/{userId}/filter`: uploads a filter once; `/sync` then refers to it by ID.
    public func uploadFilter(_ filter: JSONValue, for user: UserID) async throws -> String {
        struct Answer: Decodable { var filter_id: String }
        let body = try HomeserverConnection.body(filter)
        return try await connection.json(
            Answer.self, .post, Self.v3 + ["user", user.rawValue, "filter"], body: body, retry: .idempotent
        ).filter_id
    }

    /// `GET /sync`. `timeout` is the long-poll; the request deadline adds a margin so that a wedged
    /// connection is dropped (matrix-js-sdk uses timeout + 80 s).
    public func sync(filter: String?, since: String?, timeout: Duration, setPresence: String = "offline") async throws
        -> SyncResponse
    {
        var query: [(String, String)] = [("timeout", String(timeout.wholeMilliseconds)), ("set_presence", setPresence)]
        if let filter { query.append(("filter", filter)) }
        if let since { query.append(("since", since)) }
        // An initial sync has no long-poll but can be large and slow.
        let deadline = since == nil ? Duration.seconds(300) : timeout + .seconds(60)
        return try await connection.json(
            SyncResponse.self, .get, Self.v3 + ["sync"], query: query, timeout: deadline,
            maxResponseBytes: 256 << 20, retry: .none)
    }

    /// `POST /join/{roomIdOrAlias}`; returns the room ID.
    public func join(_ room: RoomReference, via servers: [ServerName] = []) async throws -> RoomID {
        struct Answer: Decodable { var room_id: RoomID }
        return try await connection.json(
            Answer.self, .post, Self.v3 + ["join", room.rawValue], query: servers.map { ("server_name", $0.rawValue) },
            body: Data("{}".utf8), retry: .idempotent
        ).room_id
    }

    /// `POST /rooms/{roomId}/leave` (also declines an invite).
    public func leave(_ room: RoomID, reason: String? = nil) async throws {
        var body: [String: JSONValue] = [:]
        if let reason { body["reason"] = .string(reason) }
        _ = try await connection.send(
            .post, Self.v3 + ["rooms", room.rawValue, "leave"], body: HomeserverConnection.body(JSONValue.object(body)),
            retry: .idempotent)
    }

    /// `GET /directory/room/{alias}`: the room an alias points to.
    public func resolve(_ alias: RoomAlias) async throws -> RoomID {
        struct Answer: Decodable { var room_id: RoomID }
        return try await connection.json(
            Answer.self, .get, Self.v3 + ["directory", "room", alias.rawValue], retry: .idempotent
        )
        .room_id
    }

    /// `GET /joined_rooms`.
    public func joinedRooms() async throws -> [RoomID] {
        struct Answer: Decodable { var joined_rooms: [RoomID] }
        return try await connection.json(Answer.self, .get, Self.v3 + ["joined_rooms"], retry: .idempotent).joined_rooms
    }

    /// `GET /rooms/{roomId}/state/{type}/{stateKey}`: the content, or nil when the room has no such state.
    public func state(_ room: RoomID, type: String, stateKey: String = "") async throws -> JSONValue? {
        do {
            return try await connection.json(
                JSONValue.self, .get, Self.v3 + ["rooms", room.rawValue, "state", type, stateKey], retry: .idempotent)
        } catch let error as MatrixError where error.status == 404 && error.errcode == "M_NOT_FOUND" {
            return nil
        }
    }

    /// The whole state event (`?format=event`, Synapse): for `m.room.create`, whose sender is the creator.
    /// Falls back to the content only, with the sender taken from the content's `creator` (rooms before v11).
    public func stateEvent(_ room: RoomID, type: String, stateKey: String = "") async throws -> ClientEvent? {
        let segments = Self.v3 + ["rooms", room.rawValue, "state", type, stateKey]
        do {
            let answer = try await connection.json(
                JSONValue.self, .get, segments, query: [("format", "event")], retry: .idempotent)
            if let sender = answer["sender"]?.string, let content = answer["content"] {
                return ClientEvent(
                    type: type, eventID: answer["event_id"]?.string, sender: sender,
                    originServerTs: answer["origin_server_ts"]?.lenientInt.map(Int64.init), content: content,
                    stateKey: stateKey)
            }
            // A server without `format=event` answered with the content.
            return ClientEvent(
                type: type, eventID: nil, sender: answer["creator"]?.string ?? "", originServerTs: nil, content: answer,
                stateKey: stateKey)
        } catch let error as MatrixError where error.status == 404 && error.errcode == "M_NOT_FOUND" {
            return nil
        }
    }

    /// `PUT /rooms/{roomId}/send/{type}/{txnId}`. The same `transactionID` always yields the same event:
    /// the server deduplicates retries, also after a crash, as long as the device stays the same.
    public func send(_ room: RoomID, type: String, transactionID: String, content: JSONValue) async throws -> EventID {
        try await send(
            room, type: type, transactionID: transactionID, encodedContent: HomeserverConnection.body(content))
    }

    /// `send` with the content already encoded as JSON.
    public func send(_ room: RoomID, type: String, transactionID: String, encodedContent: Data) async throws -> EventID
    {
        struct Answer: Decodable { var event_id: EventID }
        return try await connection.json(
            Answer.self, .put, Self.v3 + ["rooms", room.rawValue, "send", type, transactionID], body: encodedContent,
            retry: .none
        ).event_id
    }

    /// Reacts to `eventID` with `key` (an `m.annotation`, e.g. "✅"). Synapse refuses the same reaction
    /// twice from one user (400 `M_DUPLICATE_ANNOTATION`); that counts as done.
    @discardableResult
    public func react(_ room: RoomID, to eventID: String, key: String, transactionID: String) async throws -> EventID? {
        let content: JSONValue = .object([
            "m.relates_to": .object([
                "rel_type": .string("m.annotation"), "event_id": .string(eventID), "key": .string(key),
            ])
        ])
        do {
            return try await send(room, type: "m.reaction", transactionID: transactionID, content: content)
        } catch let error as MatrixError where error.errcode == "M_DUPLICATE_ANNOTATION" {
            return nil
        }
    }

    /// `PUT /rooms/{roomId}/typing/{userId}`.
    public func setTyping(_ room: RoomID, user: UserID, typing: Bool, timeout: Duration = .seconds(20)) async throws {
        var body: [String: JSONValue] = ["typing": .bool(typing)]
        if typing { body["timeout"] = .number(Double(timeout.wholeMilliseconds)) }
        _ = try await connection.send(
            .put, Self.v3 + ["rooms", room.rawValue, "typing", user.rawValue],
            body: HomeserverConnection.body(JSONValue.object(body)), timeout: .seconds(10), retry: .none)
    }

    /// One page of `GET /rooms/{roomId}/messages`.
    public struct MessagesPage: Sendable, Decodable {
        public var chunk: [ClientEvent]
        /// Token to continue from; absent at the end of the room's history.
        public var end: String?

        enum CodingKeys: String, CodingKey { case chunk, end }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            chunk = container.events(forKey: .chunk)
            end = try container.decodeIfPresent(String.self, forKey: .end)
        }
    }

    /// `GET /rooms/{roomId}/event/{eventId}`: one event as the bot's user may see it.
    public func event(_ room: RoomID, id eventID: EventID) async throws -> ClientEvent {
        try await connection.json(
            ClientEvent.self, .get, Self.v3 + ["rooms", room.rawValue, "event", eventID.rawValue], retry: .idempotent)
    }

    /// `GET /rooms/{roomId}/messages` from `token`, backwards (`b`) or forwards (`f`).
    public func messages(_ room: RoomID, from token: String, direction: String = "b", limit: Int = 100) async throws
        -> MessagesPage
    {
        let filter = #"{"types":["m.room.message"],"lazy_load_members":true}"#
        return try await connection.json(
            MessagesPage.self, .get, Self.v3 + ["rooms", room.rawValue, "messages"],
            query: [("from", token), ("dir", direction), ("limit", String(limit)), ("filter", filter)],
            retry: .idempotent)
    }

    /// `GET /rooms/{roomId}/joined_members`: user IDs of the members.
    public func joinedMembers(_ room: RoomID) async throws -> [String] {
        struct Answer: Decodable { var joined: [String: JSONValue] }
        return try await connection.json(
            Answer.self, .get, Self.v3 + ["rooms", room.rawValue, "joined_members"], retry: .idempotent
        ).joined.keys.sorted()
    }
}
