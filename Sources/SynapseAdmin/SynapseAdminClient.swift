public import FedBotModels
import Foundation
public import MatrixClient
import Synchronization

/// A typed client for Synapse's federation admin API and room details, over a `HomeserverConnection`
/// whose token belongs to a server admin.
///
/// GETs retry on transport errors, 5xx and 429; the POST (`reset_connection`) is never retried blindly.
/// Destination names are validated against the server-name grammar before any request and go into the
/// path percent-encoded.
public final class SynapseAdminClient: Sendable {
    public let connection: HomeserverConnection
    let retry: RetryPolicy
    let timeout: Duration
    /// Where the database behind Synapse sorts NULLs, learnt from the data (see `NullPlacement`).
    let placement = Mutex<NullPlacement?>(nil)
    /// Failing rows the last scan found, to size the next scan's first page.
    let lastFailingCount = Mutex(0)

    public init(connection: HomeserverConnection, retry: RetryPolicy = .idempotent, timeout: Duration = .seconds(30)) {
        self.connection = connection
        self.retry = retry
        self.timeout = timeout
    }

    static let federation = ["_synapse", "admin", "v1", "federation", "destinations"]

    // MARK: Endpoints

    /// `GET /_synapse/admin/v1/federation/destinations` with every query parameter.
    public func destinations(_ query: DestinationQuery) async throws(SynapseAdminError) -> DestinationPage {
        try query.validate()
        return try await get(
            DestinationPage.self, Self.federation, query: query.queryItems, fastPath: DestinationPage.init(scanning:))
    }

    /// `GET …/destinations/{destination}`. Throws `.unknownDestination` for a 404.
    public func destination(_ name: ServerName) async throws(SynapseAdminError) -> Destination {
        try await get(Destination.self, Self.federation + [name.rawValue], destination: name.rawValue)
    }

    /// `GET …/destinations/{destination}` for a name given as text: validated first, no request when invalid.
    public func destination(named text: String) async throws(SynapseAdminError) -> Destination {
        try await destination(Self.serverName(text))
    }

    /// `GET …/destinations/{destination}/rooms`, sorted by room ID.
    public func destinationRooms(
        _ name: ServerName, from: Int = 0, limit: Int = 100, direction: SortDirection = .forward
    ) async throws(SynapseAdminError) -> DestinationRoomsPage {
        try DestinationQuery(from: from, limit: limit, direction: direction).validate()
        var query: [(String, String)] = [("from", String(from)), ("limit", String(limit))]
        if direction != .forward { query.append(("dir", direction.rawValue)) }
        return try await get(
            DestinationRoomsPage.self, Self.federation + [name.rawValue, "rooms"], query: query,
            destination: name.rawValue)
    }

    /// `POST …/destinations/{destination}/reset_connection`. A healthy destination (Synapse's 400 "does not
    /// need to be reset") is the outcome `.notInBackoff`, not an error.
    public func resetConnection(_ name: ServerName) async throws(SynapseAdminError) -> ResetOutcome {
        let segments = Self.federation + [name.rawValue, "reset_connection"]
        do {
            _ = try await connection.send(.post, segments, body: Data("{}".utf8), timeout: timeout, retry: .none)
            return .reset
        } catch let error as MatrixError {
            if error.status == 400, error.message.contains("does not need to be reset") {
                return .notInBackoff
            }
            throw SynapseAdminError(error, baseURL: connection.baseURL, destination: name.rawValue)
        } catch is CancellationError {
            throw .cancelled
        } catch {
            throw .transport("\(error)")
        }
    }

    /// `GET /_synapse/admin/v1/rooms/{roomId}`: name, canonical alias and member counts.
    public func room(_ roomID: String) async throws(SynapseAdminError) -> RoomDetails {
        try await get(RoomDetails.self, ["_synapse", "admin", "v1", "rooms", roomID], room: roomID)
    }

    /// `DELETE /_synapse/admin/v2/rooms/{roomId}` with `purge`: removes a room from the database (in the
    /// background); for a room fedbot made by mistake and no one else has joined.
    public func purgeRoom(_ room: RoomID) async throws(SynapseAdminError) {
        let body = Data(#"{"purge":true}"#.utf8)
        do {
            _ = try await connection.send(
                .delete, ["_synapse", "admin", "v2", "rooms", room.rawValue], body: body, timeout: timeout,
                retry: .none)
        } catch let error as MatrixError {
            throw SynapseAdminError(error, baseURL: connection.baseURL, room: room.rawValue)
        } catch is CancellationError {
            throw .cancelled
        } catch {
            throw .transport("\(error)")
        }
    }

    /// `GET /_synapse/admin/v1/users/{userId}/admin`: whether a user is a server admin. A non-admin
    /// caller gets `.notServerAdmin`.
    public func isServerAdmin(_ user: UserID) async throws(SynapseAdminError) -> Bool {
        struct Answer: Decodable { var admin: Bool }
        return try await get(Answer.self, ["_synapse", "admin", "v1", "users", user.rawValue, "admin"]).admin
    }

    /// `GET /_synapse/admin/v1/server_version`: reachable without a token; tells whether this is Synapse.
    public func serverVersion() async throws(SynapseAdminError) -> String {
        struct Answer: Decodable { var server_version: String }
        return try await get(Answer.self, ["_synapse", "admin", "v1", "server_version"]).server_version
    }

    // MARK: Helpers

    /// Validates text as a server name, or throws `.invalidServerName` (before any request).
    public static func serverName(_ text: String) throws(SynapseAdminError) -> ServerName {
        guard let name = ServerName(text) else { throw .invalidServerName(text) }
        return name
    }

    func get<Response: Decodable>(
        _ type: Response.Type, _ segments: [String], query: [(String, String)] = [], destination: String? = nil,
        room: String? = nil, fastPath: ((Data) -> Response?)? = nil
    ) async throws(SynapseAdminError) -> Response {
        do {
            return try await connection.json(
                type, .get, segments, query: query, timeout: timeout, retry: retry, fastPath: fastPath)
        } catch let error as MatrixError {
            throw SynapseAdminError(error, baseURL: connection.baseURL, destination: destination, room: room)
        } catch is CancellationError {
            throw .cancelled
        } catch {
            throw .transport("\(error)")
        }
    }
}
