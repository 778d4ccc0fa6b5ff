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
    /// Configured aliases pinned to the room ID they first resolved to.
    private var aliasesToIDs: [String: RoomID] = [:]
    /// Indexes into `configured` of rooms whose join failed transiently: `retryJoins` tries them again.
    private var pendingJoins: Set<Int> = []
    private var encrypted: Set<RoomID> = []
    private let logger: Logger
    /// Rings when a room becomes an admin room after start-up (a background join, an invite).
    private nonisolated let adminRoomsChanged: Wakeup

    public init(adminRooms: [RoomReference], noticeRooms: [RoomReference], clock: any BotClock, logger: Logger) {
        configured = adminRooms.map { ($0, Role.admin) } + noticeRooms.map { ($0, Role.notices) }
        self.logger = logger
        self.adminRoomsChanged = Wakeup(clock: clock)
        for (reference, role) in configured {
            if case .id(let id) = reference { resolved[id, default: []].insert(role) }
        }
    }

    /// Joins every configured room (idempotent for rooms already joined) and resolves aliases.
    /// Rooms the bot cannot join yet (not invited) are logged; an invite later is accepted. Rooms whose join
    /// failed for a transient reason (5xx, 429, no connection) are left to `retryJoins`.
    public func joinConfiguredRooms(_ matrix: MatrixClient) async {
        for (index, (reference, role)) in configured.enumerated() {
            await join(index, reference: reference, role: role, matrix)
        }
    }

    /// Whether configured rooms wait for another join attempt (their last one failed transiently).
    public var hasPendingJoins: Bool { !pendingJoins.isEmpty }

    /// Tries again to join the configured rooms whose join failed transiently; returns how many are still
    /// pending.
    @discardableResult
    public func retryJoins(_ matrix: MatrixClient) async -> Int {
        for index in pendingJoins.sorted() {
            if Task.isCancelled { break }
            let (reference, role) = configured[index]
            await join(index, reference: reference, role: role, matrix)
        }
        return pendingJoins.count
    }

    private func join(_ index: Int, reference: RoomReference, role: Role, _ matrix: MatrixClient) async {
        do {
            // An alias pinned earlier is not resolved again: join the room it named then.
            let target = pinnedReference(reference)
            let id = try await matrix.join(target)
            record(reference, id: id, role: role)
            // A notice room joined now lets its reactions through: the sync filter follows.
            if joinedIDs.insert(id).inserted, role == .notices { adminRoomsChanged.signal() }
            pendingJoins.remove(index)
            logger.info(
                "Joined room",
                metadata: ["room": "\(reference)", "id": "\(LogText.sanitized(id.rawValue))", "role": "\(role)"])
        } catch {
            let transient = (error as? MatrixError)?.isTransient ?? false
            if transient { pendingJoins.insert(index) } else { pendingJoins.remove(index) }
            logger.warning(
                transient
                    ? "Cannot join configured room yet; retrying in the background"
                    : "Cannot join configured room yet; invite the bot and it will join",
                metadata: ["room": "\(reference)", "error": "\(LogText.sanitized("\(error)"))"])
            if case .alias(let alias) = reference, aliasesToIDs[alias.rawValue] == nil,
                let id = try? await matrix.resolve(alias)
            {
                record(reference, id: id, role: role)
            }
        }
    }

    /// The reference to join: a configured alias that was resolved before is joined by the pinned room ID.
    private func pinnedReference(_ reference: RoomReference) -> RoomReference {
        guard case .alias(let alias) = reference, let id = aliasesToIDs[alias.rawValue] else { return reference }
        return .id(id)
    }

    /// Records a configured room's ID. An alias is pinned to the first room ID it resolved to, for the
    /// process's life: a later resolution (someone re-pointed the alias) never changes it.
    private func record(_ reference: RoomReference, id: RoomID, role: Role) {
        if case .alias(let alias) = reference {
            if let pinned = aliasesToIDs[alias.rawValue], pinned != id { return }
            aliasesToIDs[alias.rawValue] = id
        }
        if resolved[id, default: []].insert(role).inserted, role == .admin { adminRoomsChanged.signal() }
    }

    /// Runs `operation` (a sync long-poll) unless the admin rooms change from `current` first: then cancels
    /// it and returns nil, so that the caller re-uploads its sync filter before it syncs again (a long-poll
    /// with the old filter would skip the new room's events for good).
    public nonisolated func untilAdminRoomsChange<T: Sendable>(
        from current: Set<RoomID>, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T? {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask { [adminRoomsChanged] in
                while !Task.isCancelled {
                    if await self.syncedRoomIDs != current { return nil }
                    await adminRoomsChanged.wait(timeout: .seconds(3600))
                }
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    /// Room IDs the sync filter lets through: the admin rooms (commands) and the notice rooms (reactions
    /// on notices).
    public var syncedRoomIDs: Set<RoomID> {
        adminRoomIDs.union(noticeRoomIDs)
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

    /// Whether an invite to `roomID` is for a configured room: by ID, or by an alias pinned to `roomID`.
    /// A configured alias is resolved through the homeserver's room directory once, at start-up or (if that
    /// failed) at the first invite after it, and pinned to that room ID for the process's life: whoever may
    /// edit the alias later cannot point it at a room of theirs and invite the bot there. The invite's own
    /// state (its `m.room.canonical_alias`) is never trusted: the inviting server writes it.
    public func isConfigured(_ roomID: RoomID, resolve: @Sendable (RoomAlias) async -> RoomID?) async -> Bool {
        for (reference, role) in configured {
            guard case .alias(let alias) = reference, aliasesToIDs[alias.rawValue] == nil,
                let id = await resolve(alias)
            else { continue }
            record(reference, id: id, role: role)
        }
        if resolved[roomID] != nil { return true }
        // Declined. Tell an admin who moved an alias on purpose why, and what to do.
        for case (.alias(let alias), _) in configured {
            guard let pinned = aliasesToIDs[alias.rawValue], await resolve(alias) == roomID else { continue }
            logger.warning(
                "Declining an invite to the room a configured alias names now: the alias is pinned to the room it named first; restart fedbot to follow it",
                metadata: [
                    "alias": "\(alias)", "pinned": "\(LogText.sanitized(pinned.rawValue))",
                    "invited": "\(LogText.sanitized(roomID.rawValue))",
                ])
        }
        return false
    }

    /// Notes that the bot joined a configured room by ID after an invite.
    public func joined(_ roomID: RoomID) {
        for (index, (reference, role)) in configured.enumerated() where reference == .id(roomID) {
            record(reference, id: roomID, role: role)
            pendingJoins.remove(index)
        }
        for (index, (reference, _)) in configured.enumerated() where pinnedReference(reference) == .id(roomID) {
            pendingJoins.remove(index)
        }
        if resolved[roomID] != nil, joinedIDs.insert(roomID).inserted, resolved[roomID]?.contains(.notices) == true {
            // A notice room joined after an invite lets its reactions through: the sync filter follows.
            adminRoomsChanged.signal()
        }
    }

    /// Logs, once per room, that an admin room is encrypted.
    func warnEncrypted(_ roomID: RoomID, logger: Logger) {
        guard encrypted.insert(roomID).inserted else { return }
        logger.error(
            "Admin room is encrypted: fedbot cannot read commands there. Use an unencrypted admin room, or put an E2EE proxy such as pantalaimon in front of fedbot",
            metadata: ["room": "\(roomID)"])
    }
}
