public import FedBotModels

/// The two rooms `fedbot setup` makes, as data: what each is called and says, the `createRoom` body, the
/// power levels that give the named admins 100, and the record kept in the bot's account data. Pure.
public enum SetupRooms {
    /// Which of the pair a room is.
    public enum Role: String, Sendable, CaseIterable {
        case admin
        case notices

        public var name: String {
            switch self {
            case .admin: "fedbot admin"
            case .notices: "fedbot notices"
            }
        }

        public var topic: String {
            switch self {
            case .admin:
                "Commands for fedbot, the federation bot: type !fed help. Not encrypted on purpose: "
                    + "the bot cannot read encrypted rooms."
            case .notices:
                "fedbot posts here when federation with a server fails and when it recovers. "
                    + "Not encrypted on purpose: the bot does not do encryption."
            }
        }

        /// The config key that lists rooms of this kind.
        public var configKey: (section: String, key: String) {
            switch self {
            case .admin: ("bot", "rooms")
            case .notices: ("notices", "rooms")
            }
        }

        /// "admin room", "notice room".
        public var label: String {
            switch self {
            case .admin: "admin room"
            case .notices: "notice room"
            }
        }
    }

    /// The account-data type that remembers the pair: private to the bot's account, so no one else can
    /// point fedbot at a room of theirs (an alias could be taken by anyone who registers it first).
    public static let accountDataType = "fedbot.setup"

    /// A state event in each room fedbot makes, `{"role": "admin"}` or `{"role": "notices"}`: when the
    /// account data is missing (a run cut off between making a room and recording it), the rooms the bot
    /// created are found by it instead of being made again.
    public static let markerType = "fedbot.setup.room"

    /// The power level the named admins (and, where it needs one, the bot) get.
    public static let adminLevel = 100

    /// Whether the creators of a room of `version` have unlimited power and must not be listed in
    /// `m.room.power_levels` (room version 12 and later; unknown or experimental versions count as older).
    public static func creatorsArePrivileged(roomVersion version: String?) -> Bool {
        guard let version, let number = Int(version) else { return false }
        return number >= 12
    }

    /// The `POST /createRoom` body for `role`: invite-only (join rule `invite`, guests forbidden), not in the
    /// directory, named, with a topic, and with power levels giving `admins` (and, before room version 12,
    /// the `bot`) 100. Invites are sent separately, once the room is known to be unencrypted.
    ///
    /// The preset is `public_chat` with the join rule overridden to `invite`: Synapse's
    /// `encryption_enabled_by_default_for_room_type: invite` encrypts rooms by their preset (`private_chat`),
    /// so this keeps the room readable there; only `all` still encrypts it, which the caller detects.
    public static func createRoomBody(role: Role, admins: [UserID], bot: UserID, roomVersion: String?) -> JSONValue {
        var users: [String: JSONValue] = [:]
        for admin in admins where admin != bot { users[admin.rawValue] = .number(Double(adminLevel)) }
        if !creatorsArePrivileged(roomVersion: roomVersion) { users[bot.rawValue] = .number(Double(adminLevel)) }
        var body: [String: JSONValue] = [
            "preset": .string("public_chat"),
            "visibility": .string("private"),
            "name": .string(role.name),
            "topic": .string(role.topic),
            "initial_state": .array([
                state("m.room.join_rules", ["join_rule": .string("invite")]),
                state("m.room.guest_access", ["guest_access": .string("forbidden")]),
                state("m.room.history_visibility", ["history_visibility": .string("shared")]),
                state(markerType, ["role": .string(role.rawValue)]),
            ]),
            "power_level_content_override": .object(["users": .object(users)]),
        ]
        if let roomVersion { body["room_version"] = .string(roomVersion) }
        return .object(body)
    }

    /// `current` power levels with every admin raised to 100, or nil when nothing needs to change (a
    /// re-run with a new `--invite`). Levels are only ever raised, never lowered. The bot is never among
    /// `admins` (so a room version 12 creator is never listed).
    public static func raisingAdmins(_ current: JSONValue?, admins: [UserID]) -> JSONValue? {
        var content = current?.object ?? [:]
        var users = content["users"]?.object ?? [:]
        var changed = false
        for admin in admins {
            if (users[admin.rawValue]?.lenientInt ?? Int.min) < adminLevel {
                users[admin.rawValue] = .number(Double(adminLevel))
                changed = true
            }
        }
        guard changed else { return nil }
        content["users"] = .object(users)
        return .object(content)
    }

    /// The pair as remembered in account data.
    public struct Record: Sendable, Equatable {
        public var rooms: [Role: RoomID]

        public init(rooms: [Role: RoomID] = [:]) {
            self.rooms = rooms
        }

        /// Reads the account-data content; unusable entries are left out.
        public init(content: JSONValue?) {
            var rooms: [Role: RoomID] = [:]
            for role in Role.allCases {
                if let id = content?["\(role.rawValue)_room"]?.string.flatMap(RoomID.init) { rooms[role] = id }
            }
            self.init(rooms: rooms)
        }

        public var content: JSONValue {
            var object: [String: JSONValue] = [:]
            for (role, id) in rooms { object["\(role.rawValue)_room"] = .string(id.rawValue) }
            return .object(object)
        }
    }

    /// The lines to put in the config for the pair.
    public static func configLines(admin: RoomID, notices: RoomID) -> [String] {
        ["bot:", "  rooms: [\"\(admin.rawValue)\"]", "notices:", "  rooms: [\"\(notices.rawValue)\"]"]
    }

    private static func state(_ type: String, _ content: [String: JSONValue]) -> JSONValue {
        .object(["type": .string(type), "state_key": .string(""), "content": .object(content)])
    }
}
