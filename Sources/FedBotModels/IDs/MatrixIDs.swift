/// The common shape of Matrix identifiers with a sigil: `@user:server`, `#alias:server`, `!room:server`.
/// Only the parts a bot needs are validated: the sigil, a non-empty local part and, where present,
/// a valid server name. Room IDs of room version 12 have no server part.
public protocol MatrixIdentifier: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The identifier exactly as written.
    var rawValue: String { get }
    init?(_ string: String)
}

extension MatrixIdentifier {
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let value = Self(string) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "Not a valid \(Self.self): \(string)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Splits `<sigil>local:server` into its local part and server name.
func splitSigiled(_ string: String, sigil: Character) -> (local: Substring, server: ServerName)? {
    guard string.first == sigil, string.utf8.count <= 255, let colon = string.firstIndex(of: ":") else { return nil }
    let local = string[string.index(after: string.startIndex)..<colon]
    guard !local.isEmpty, let server = ServerName(String(string[string.index(after: colon)...])) else { return nil }
    return (local, server)
}

/// `@localpart:server`.
public struct UserID: MatrixIdentifier {
    public let rawValue: String
    /// The part between `@` and the first `:`.
    public let localpart: String
    /// The user's homeserver.
    public let server: ServerName

    public init?(_ string: String) {
        guard let (local, server) = splitSigiled(string, sigil: "@"),
            !local.contains(where: { $0.isWhitespace })
        else { return nil }
        rawValue = string
        localpart = String(local)
        self.server = server
    }
}

/// `#alias:server`.
public struct RoomAlias: MatrixIdentifier {
    public let rawValue: String
    /// The server that owns the alias.
    public let server: ServerName

    public init?(_ string: String) {
        guard let (local, server) = splitSigiled(string, sigil: "#"),
            !local.contains(where: { $0.isWhitespace })
        else { return nil }
        rawValue = string
        self.server = server
    }
}

/// `!opaque:server`, or `!opaque` for room version 12 and later.
public struct RoomID: MatrixIdentifier {
    public let rawValue: String
    /// The server part, when the room ID has one.
    public let server: ServerName?

    public init?(_ string: String) {
        guard string.first == "!", string.count > 1, string.utf8.count <= 255,
            !string.contains(where: { $0.isWhitespace })
        else { return nil }
        if let (_, server) = splitSigiled(string, sigil: "!") {
            self.server = server
        } else if !string.contains(":") {
            self.server = nil
        } else {
            return nil
        }
        rawValue = string
    }
}

/// `$opaque` (room version 3 and later) or `$opaque:server` (older rooms).
public struct EventID: MatrixIdentifier {
    public let rawValue: String

    public init?(_ string: String) {
        guard string.first == "$", string.count > 1, string.utf8.count <= 255,
            !string.contains(where: { $0.isWhitespace })
        else { return nil }
        rawValue = string
    }
}

/// Either a room ID or a room alias, as accepted by the join endpoint and by `bot.rooms`.
public enum RoomReference: Hashable, Sendable, CustomStringConvertible {
    case id(RoomID)
    case alias(RoomAlias)

    public init?(_ string: String) {
        if let id = RoomID(string) {
            self = .id(id)
        } else if let alias = RoomAlias(string) {
            self = .alias(alias)
        } else {
            return nil
        }
    }

    public var rawValue: String {
        switch self {
        case .id(let id): id.rawValue
        case .alias(let alias): alias.rawValue
        }
    }

    public var description: String { rawValue }
}
