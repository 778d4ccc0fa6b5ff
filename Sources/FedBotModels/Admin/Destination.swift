/// One row of Synapse's federation `destinations` table, as the admin API prints it.
///
/// `retry_last_ts` and `retry_interval` are printed as 0 when NULL in the database; `failure_ts` and
/// `last_successful_stream_ordering` are nullable.
public struct Destination: Hashable, Sendable, Codable {
    /// The remote server name exactly as Synapse stores it (Synapse does not validate it).
    public var destination: String
    /// When the last failed attempt was made (ms since the epoch), 0 when not backing off.
    public var retryLastTs: Int64
    /// The current backoff in milliseconds, 0 when not backing off.
    public var retryInterval: Int64
    /// When the current run of failures started; nil when the destination is not failing.
    public var failureTs: Int64?
    /// Stream position of the last event delivered; nil when nothing was ever delivered.
    public var lastSuccessfulStreamOrdering: Int64?

    public init(
        destination: String, retryLastTs: Int64 = 0, retryInterval: Int64 = 0, failureTs: Int64? = nil,
        lastSuccessfulStreamOrdering: Int64? = nil
    ) {
        self.destination = destination
        self.retryLastTs = retryLastTs
        self.retryInterval = retryInterval
        self.failureTs = failureTs
        self.lastSuccessfulStreamOrdering = lastSuccessfulStreamOrdering
    }

    enum CodingKeys: String, CodingKey {
        case destination
        case retryLastTs = "retry_last_ts"
        case retryInterval = "retry_interval"
        case failureTs = "failure_ts"
        case lastSuccessfulStreamOrdering = "last_successful_stream_ordering"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        destination = try container.decode(String.self, forKey: .destination)
        retryLastTs = try container.decodeIfPresent(Int64.self, forKey: .retryLastTs) ?? 0
        retryInterval = try container.decodeIfPresent(Int64.self, forKey: .retryInterval) ?? 0
        failureTs = try container.decodeIfPresent(Int64.self, forKey: .failureTs)
        lastSuccessfulStreamOrdering = try container.decodeIfPresent(Int64.self, forKey: .lastSuccessfulStreamOrdering)
    }

    /// True while Synapse records a failure for this destination.
    public var isFailing: Bool { failureTs != nil }

    /// True when nothing was ever delivered to this destination.
    public var neverWorked: Bool { lastSuccessfulStreamOrdering == nil }

    /// The one place where the API's fields turn into a health state.
    public func health(at now: Timestamp) -> DestinationHealth {
        guard let failureTs else { return .healthy }
        let since = Timestamp(milliseconds: failureTs)
        let interval = Duration.milliseconds(retryInterval)
        // Saturating: the numbers come from a server, and an implausible pair must not trap.
        let nextRetry = Timestamp(milliseconds: retryLastTs) + interval
        if retryLastTs > 0, now < nextRetry {
            return .failing(since: since, retryInterval: interval, nextRetry: nextRetry)
        }
        return .recovering(since: since, retryInterval: interval)
    }
}

/// What a destination's row says about federation with it.
public enum DestinationHealth: Hashable, Sendable {
    /// No failure recorded: the last attempt worked, or nothing was sent yet.
    case healthy
    /// Synapse is backing off: it failed first at `since`, and will not try again before `nextRetry`.
    case failing(since: Timestamp, retryInterval: Duration, nextRetry: Timestamp)
    /// Still marked as failing since `since`, but the backoff is over: the next send (or Synapse's
    /// catch-up loop, every 60 s) retries, and success clears the failure.
    case recovering(since: Timestamp, retryInterval: Duration)

    /// When the current failure started, nil when healthy.
    public var failingSince: Timestamp? {
        switch self {
        case .healthy: nil
        case .failing(let since, _, _), .recovering(let since, _): since
        }
    }
}

/// One page of `GET /_synapse/admin/v1/federation/destinations`.
public struct DestinationPage: Sendable, Decodable {
    public var destinations: [Destination]
    /// Rows matching the filter, in all pages.
    public var total: Int
    /// Offset of the next page (a string in the API), absent on the last page.
    public var nextToken: String?

    enum CodingKeys: String, CodingKey {
        case destinations, total
        case nextToken = "next_token"
    }

    public init(destinations: [Destination], total: Int, nextToken: String? = nil) {
        self.destinations = destinations
        self.total = total
        self.nextToken = nextToken
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        destinations = try container.decode([Destination].self, forKey: .destinations)
        total = try container.decode(Int.self, forKey: .total)
        nextToken = try container.decodeNextToken(forKey: .nextToken)
    }
}

/// A room shared with a destination: `GET …/destinations/{d}/rooms` gives only IDs.
public struct DestinationRoom: Hashable, Sendable, Decodable {
    public var roomID: String
    public var streamOrdering: Int64?

    enum CodingKeys: String, CodingKey {
        case roomID = "room_id"
        case streamOrdering = "stream_ordering"
    }

    public init(roomID: String, streamOrdering: Int64? = nil) {
        self.roomID = roomID
        self.streamOrdering = streamOrdering
    }
}

/// One page of `GET …/destinations/{d}/rooms`.
public struct DestinationRoomsPage: Sendable, Decodable {
    public var rooms: [DestinationRoom]
    public var total: Int
    public var nextToken: String?

    enum CodingKeys: String, CodingKey {
        case rooms, total
        case nextToken = "next_token"
    }

    public init(rooms: [DestinationRoom], total: Int, nextToken: String? = nil) {
        self.rooms = rooms
        self.total = total
        self.nextToken = nextToken
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rooms = try container.decode([DestinationRoom].self, forKey: .rooms)
        total = try container.decode(Int.self, forKey: .total)
        nextToken = try container.decodeNextToken(forKey: .nextToken)
    }
}

/// What `GET /_synapse/admin/v1/rooms/{roomId}` tells about a room (the fields fedbot shows).
public struct RoomDetails: Hashable, Sendable, Decodable {
    public var roomID: String
    public var name: String?
    public var canonicalAlias: String?
    public var joinedMembers: Int?
    public var joinedLocalMembers: Int?
    public var isPublic: Bool?
    public var encryption: String?

    enum CodingKeys: String, CodingKey {
        case roomID = "room_id"
        case name
        case canonicalAlias = "canonical_alias"
        case joinedMembers = "joined_members"
        case joinedLocalMembers = "joined_local_members"
        case isPublic = "public"
        case encryption
    }

    public init(
        roomID: String, name: String? = nil, canonicalAlias: String? = nil, joinedMembers: Int? = nil,
        joinedLocalMembers: Int? = nil, isPublic: Bool? = nil, encryption: String? = nil
    ) {
        self.roomID = roomID
        self.name = name
        self.canonicalAlias = canonicalAlias
        self.joinedMembers = joinedMembers
        self.joinedLocalMembers = joinedLocalMembers
        self.isPublic = isPublic
        self.encryption = encryption
    }
}

extension KeyedDecodingContainer {
    /// `next_token` is documented as a string; accept an integer too (older servers, other implementations).
    func decodeNextToken(forKey key: Key) throws -> String? {
        if let string = try? decodeIfPresent(String.self, forKey: key) { return string }
        if let number = try? decodeIfPresent(Int.self, forKey: key) { return String(number) }
        return nil
    }
}
