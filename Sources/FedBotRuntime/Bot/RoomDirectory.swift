import FedBotCore
public import FedBotModels
public import Logging
public import MatrixClient

/// The rooms the config names (admin rooms and notice rooms), resolved to room IDs, and what the bot
/// knows of them (encryption).
public actor RoomDirectory {
    public enum Role: Sendable {
        case admin
        case notices
    }

    private let configured: [(reference: RoomReference, role: Role)]
    private var resolved: [RoomID: Set<Role>] = [:]
    /// Configured rooms the bot is in (joined at start-up or after an invite).
    private var joinedIDs: Set<RoomID> = []
    private var aliasesToIDs: [String: RoomID] = [:]
    private var encrypted: Set<RoomID> = []
    private let logger: Logger

    public init(adminRooms: [RoomReference], noticeRooms: [RoomReference], logger: Logger) {
        configured = adminRooms.map { ($0, Role.admin) } + noticeRooms.map { ($0, Role.notices) }
        self.logger = logger
        for (reference, role) in configured {
            if case .id(let id) = reference { resolved[id, default: []].insert(role) }
        }
    }

    /// Joins every configured room (idempotent for rooms already joined) and resolves aliases.
    /// Rooms the bot cannot join yet (not invited) are logged; an invite later is accepted.
    public func joinConfiguredRooms(_ matrix: MatrixClient) async {
        for (reference, role) in configured {
            do {
                let id = try await matrix.join(reference)
                record(reference, id: id, role: role)
                joinedIDs.insert(id)
                logger.info("Joined room", metadata: ["room": "\(reference)", "id": "\(id)", "role": "\(role)"])
            } catch {
                logger.warning(
                    "Cannot join configured room yet; invite the bot and it will join",
                    metadata: ["room": "\(reference)", "error": "\(error)"])
                if case .alias(let alias) = reference, let id = try? await matrix.resolve(alias) {
                    record(reference, id: id, role: role)
                }
            }
        }
    }

    private func record(_ reference: RoomReference, id: RoomID, role: Role) {
        resolved[id, default: []].insert(role)
        if case .alias(let alias) = reference { aliasesToIDs[alias.rawValue] = id }
    }

    /// Room IDs where commands are accepted.
    public var adminRoomIDs: Set<RoomID> {
        Set(resolved.filter { $0.value.contains(.admin) }.keys)
    }

    /// Room IDs that receive notices: the configured notice rooms the bot has joined (a notice for a room
    /// it is not in yet would be refused and lost).
    public var noticeRoomIDs: [RoomID] {
        resolved.filter { $0.value.contains(.notices) && joinedIDs.contains($0.key) }.keys.sorted {
            $0.rawValue < $1.rawValue
        }
    }

    /// Whether an invite to `roomID` is for a configured room: by ID, or by an alias that the homeserver's
    /// room directory resolves to `roomID` now. The invite's own state (its `m.room.canonical_alias`) is
    /// never trusted: the inviting server writes it, and could claim any alias.
    public func isConfigured(_ roomID: RoomID, resolve: @Sendable (RoomAlias) async -> RoomID?) async -> Bool {
        if resolved[roomID] != nil { return true }
        var accepted = false
        for (reference, role) in configured {
            guard case .alias(let alias) = reference, await resolve(alias) == roomID else { continue }
            record(reference, id: roomID, role: role)
            accepted = true
        }
        return accepted
    }

    /// Notes that the bot joined a configured room by ID after an invite.
    public func joined(_ roomID: RoomID) {
        for (reference, role) in configured where reference == .id(roomID) {
            record(reference, id: roomID, role: role)
        }
        if resolved[roomID] != nil { joinedIDs.insert(roomID) }
    }

    /// Logs, once per room, that an admin room is encrypted.
    func warnEncrypted(_ roomID: RoomID, logger: Logger) {
        guard encrypted.insert(roomID).inserted else { return }
        logger.error(
            "Admin room is encrypted: fedbot cannot read commands there. Use an unencrypted admin room, or put an E2EE proxy such as pantalaimon in front of fedbot",
            metadata: ["room": "\(roomID)"])
    }
}
