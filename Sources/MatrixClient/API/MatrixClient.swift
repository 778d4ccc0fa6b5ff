public import FedBotModels

/// The Matrix client-server API, as far as fedbot uses it, over a `HomeserverConnection`.
public struct MatrixClient: Sendable {
    public let connection: HomeserverConnection

    public init(connection: HomeserverConnection) {
        self.connection = connection
    }

    static let v3 = ["_matrix", "client", "v3"]

    /// Who the access token belongs to.
    public struct WhoAmI: Sendable, Decodable, Equatable {
        public var userID: UserID
        public var deviceID: String?

        enum CodingKeys: String, CodingKey {
            case userID = "user_id"
            case deviceID = "device_id"
        }

        public init(userID: UserID, deviceID: String?) {
            self.userID = userID
            self.deviceID = deviceID
        }
    }

    /// `GET /_matrix/client/v3/account/whoami`: validates the token and tells the bot its own user ID.
    public func whoAmI() async throws -> WhoAmI {
        try await connection.json(WhoAmI.self, .get, Self.v3 + ["account", "whoami"], retry: .idempotent)
    }

    /// `GET /_matrix/client/versions` (no token needed): the spec versions the server supports.
    public func versions() async throws -> [String] {
        struct Answer: Decodable { var versions: [String] }
        return try await connection.with(accessToken: nil)
            .json(Answer.self, .get, ["_matrix", "client", "versions"], retry: .idempotent).versions
    }
}
