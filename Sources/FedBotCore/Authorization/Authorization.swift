public import FedBotModels

/// The parts of `m.room.power_levels` that decide who may command the bot.
public struct PowerLevels: Sendable, Equatable {
    public var users: [String: Int]
    public var usersDefault: Int

    public init(users: [String: Int] = [:], usersDefault: Int = 0) {
        self.users = users
        self.usersDefault = usersDefault
    }

    /// Reads the event content leniently: very old rooms hold numbers as strings; junk counts as absent.
    public init(content: [String: JSONValue]) {
        var users: [String: Int] = [:]
        if case .object(let map)? = content["users"] {
            for (user, value) in map {
                if let level = value.lenientInt { users[user] = level }
            }
        }
        self.users = users
        usersDefault = content["users_default"]?.lenientInt ?? 0
    }
}

/// What the bot knows of a room's authority structure, from its state.
public struct RoomAuthority: Sendable, Equatable {
    /// `m.room.power_levels`, nil when the room has none.
    public var powerLevels: PowerLevels?
    /// The sender of `m.room.create` and, from room version 12, its `additional_creators`.
    public var creators: Set<UserID>
    /// `room_version` from `m.room.create`.
    public var roomVersion: String?

    public init(powerLevels: PowerLevels?, creators: Set<UserID> = [], roomVersion: String? = nil) {
        self.powerLevels = powerLevels
        self.creators = creators
        self.roomVersion = roomVersion
    }

    /// Room versions 12 and later give creators unlimited power.
    var creatorsArePrivileged: Bool {
        guard let roomVersion, let number = Int(roomVersion) else { return false }
        return number >= 12
    }

    /// The sender's power level; nil means unlimited (a creator in room version 12+).
    public func powerLevel(of user: UserID) -> Int? {
        if creatorsArePrivileged && creators.contains(user) { return nil }
        guard let powerLevels else { return creators.contains(user) ? 100 : 0 }
        return powerLevels.users[user.rawValue] ?? powerLevels.usersDefault
    }
}

/// Who may run commands: operators always; other members of an admin room with enough power.
public struct Authorizer: Sendable {
    public var operators: Set<UserID>
    public var minPowerLevel: Int

    public init(operators: Set<UserID>, minPowerLevel: Int) {
        self.operators = operators
        self.minPowerLevel = minPowerLevel
    }

    public enum Decision: Sendable, Equatable {
        case operatorAllowed
        case powerLevelAllowed(level: Int?)
        case refused(level: Int)

        public var isAllowed: Bool {
            if case .refused = self { return false }
            return true
        }
    }

    public func decide(sender: UserID, in room: RoomAuthority) -> Decision {
        if operators.contains(sender) { return .operatorAllowed }
        guard let level = room.powerLevel(of: sender) else { return .powerLevelAllowed(level: nil) }
        return level >= minPowerLevel ? .powerLevelAllowed(level: level) : .refused(level: level)
    }

    /// The refusal, short and the same for everyone.
    public func refusal(prefix: String) -> Reply {
        Reply([
            .line(
                "⛔ Only the bot's operators and members with power level \(minPowerLevel) or more in this room can use \(code: prefix)."
            )
        ])
    }
}
