public import FedBotModels

/// What authorization needs from a room's `m.room.create`: its creators (the sender and, from room
/// version 12, `additional_creators`) and the room version. The event never changes, so callers read it
/// once per room.
public struct RoomCreation: Sendable, Equatable {
    public var creators: Set<UserID>
    public var version: String?

    public init(creators: Set<UserID> = [], version: String? = nil) {
        self.creators = creators
        self.version = version
    }

    /// Reads `m.room.create`; a room without one (nil) has no creators and no known version. A create
    /// event without `room_version` is version 1.
    public init(createEvent event: ClientEvent?) {
        guard let event else {
            self.init()
            return
        }
        var creators = Set<UserID>()
        if let sender = UserID(event.sender) { creators.insert(sender) }
        for extra in event.content["additional_creators"]?.array ?? [] {
            if let id = extra.string.flatMap(UserID.init) { creators.insert(id) }
        }
        self.init(creators: creators, version: event.content["room_version"]?.string ?? "1")
    }

    /// The authority in a room with these creators and `powerLevels`.
    public func authority(powerLevels: PowerLevels?) -> RoomAuthority {
        RoomAuthority(powerLevels: powerLevels, creators: creators, roomVersion: version)
    }
}
