/// A room event as `/sync` delivers it (the client format). Content stays open-ended JSON.
public struct ClientEvent: Sendable, Equatable, Decodable {
    public var type: String
    public var eventID: String?
    public var sender: String
    public var originServerTs: Int64?
    public var content: JSONValue
    public var stateKey: String?
    public var unsigned: JSONValue?

    enum CodingKeys: String, CodingKey {
        case type
        case eventID = "event_id"
        case sender
        case originServerTs = "origin_server_ts"
        case content
        case stateKey = "state_key"
        case unsigned
    }

    public init(
        type: String, eventID: String?, sender: String, originServerTs: Int64?, content: JSONValue,
        stateKey: String? = nil, unsigned: JSONValue? = nil
    ) {
        self.type = type
        self.eventID = eventID
        self.sender = sender
        self.originServerTs = originServerTs
        self.content = content
        self.stateKey = stateKey
        self.unsigned = unsigned
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        eventID = try container.decodeIfPresent(String.self, forKey: .eventID)
        sender = try container.decodeIfPresent(String.self, forKey: .sender) ?? ""
        originServerTs = try container.decodeIfPresent(Int64.self, forKey: .originServerTs)
        content = try container.decodeIfPresent(JSONValue.self, forKey: .content) ?? .object([:])
        stateKey = try container.decodeIfPresent(String.self, forKey: .stateKey)
        unsigned = try container.decodeIfPresent(JSONValue.self, forKey: .unsigned)
    }

    /// True for state events (they carry a `state_key`, possibly empty).
    public var isState: Bool { stateKey != nil }
}

/// The parts of a `/sync` response the bot reads.
public struct SyncResponse: Sendable, Decodable {
    public var nextBatch: String
    public var rooms: Rooms

    enum CodingKeys: String, CodingKey {
        case nextBatch = "next_batch"
        case rooms
    }

    public init(nextBatch: String, rooms: Rooms = Rooms()) {
        self.nextBatch = nextBatch
        self.rooms = rooms
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        nextBatch = try container.decode(String.self, forKey: .nextBatch)
        rooms = try container.decodeIfPresent(Rooms.self, forKey: .rooms) ?? Rooms()
    }

    /// The rooms of a sync response by room ID. Keys that are not room IDs are left out while decoding:
    /// the rest of the bot only ever sees typed IDs.
    public struct Rooms: Sendable, Decodable {
        public var join: [RoomID: JoinedRoom]
        public var invite: [RoomID: InvitedRoom]
        public var leave: [RoomID: LeftRoom]

        public init(
            join: [RoomID: JoinedRoom] = [:], invite: [RoomID: InvitedRoom] = [:], leave: [RoomID: LeftRoom] = [:]
        ) {
            self.join = join
            self.invite = invite
            self.leave = leave
        }

        enum CodingKeys: String, CodingKey { case join, invite, leave }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            join = Self.byRoomID(try container.decodeIfPresent([String: JoinedRoom].self, forKey: .join))
            invite = Self.byRoomID(try container.decodeIfPresent([String: InvitedRoom].self, forKey: .invite))
            leave = Self.byRoomID(try container.decodeIfPresent([String: LeftRoom].self, forKey: .leave))
        }

        static func byRoomID<Room>(_ rooms: [String: Room]?) -> [RoomID: Room] {
            var typed: [RoomID: Room] = [:]
            for (key, room) in rooms ?? [:] {
                if let id = RoomID(key) { typed[id] = room }
            }
            return typed
        }
    }

    public struct JoinedRoom: Sendable, Decodable {
        public var state: [ClientEvent]
        public var timeline: [ClientEvent]
        /// The timeline has a gap before its first event (more happened than the filter's limit).
        public var limited: Bool
        public var prevBatch: String?

        public init(
            state: [ClientEvent] = [], timeline: [ClientEvent] = [], limited: Bool = false, prevBatch: String? = nil
        ) {
            self.state = state
            self.timeline = timeline
            self.limited = limited
            self.prevBatch = prevBatch
        }

        enum CodingKeys: String, CodingKey { case state, timeline }
        enum EventsKeys: String, CodingKey {
            case events, limited
            case prevBatch = "prev_batch"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let state = try? container.nestedContainer(keyedBy: EventsKeys.self, forKey: .state) {
                self.state = state.events(forKey: .events)
            } else {
                self.state = []
            }
            if let timeline = try? container.nestedContainer(keyedBy: EventsKeys.self, forKey: .timeline) {
                self.timeline = timeline.events(forKey: .events)
                limited = try timeline.decodeIfPresent(Bool.self, forKey: .limited) ?? false
                prevBatch = try timeline.decodeIfPresent(String.self, forKey: .prevBatch)
            } else {
                timeline = []
                limited = false
                prevBatch = nil
            }
        }
    }

    public struct InvitedRoom: Sendable, Decodable {
        /// Stripped state: type, state_key, sender, content.
        public var events: [ClientEvent]

        public init(events: [ClientEvent]) {
            self.events = events
        }

        enum CodingKeys: String, CodingKey {
            case inviteState = "invite_state"
        }
        enum EventsKeys: String, CodingKey { case events }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let state = try? container.nestedContainer(keyedBy: EventsKeys.self, forKey: .inviteState) {
                events = state.events(forKey: .events)
            } else {
                events = []
            }
        }
    }

    public struct LeftRoom: Sendable, Decodable {
        public var timeline: [ClientEvent]

        public init(timeline: [ClientEvent] = []) {
            self.timeline = timeline
        }

        enum CodingKeys: String, CodingKey { case timeline }
        enum EventsKeys: String, CodingKey { case events }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let timeline = try? container.nestedContainer(keyedBy: EventsKeys.self, forKey: .timeline) {
                self.timeline = timeline.events(forKey: .events)
            } else {
                timeline = []
            }
        }
    }
}

extension KeyedDecodingContainer {
    /// The events under `key`, skipping any that do not decode: one malformed event (an invite's stripped
    /// state is written by the inviting server) must not make the whole `/sync` unreadable, which would
    /// stall the bot on the same position for good.
    public func events(forKey key: Key) -> [ClientEvent] {
        ((try? decodeIfPresent([LenientEvent].self, forKey: key)) ?? nil)?.compactMap(\.event) ?? []
    }
}

/// An event, or nil when it does not decode (decoding this never fails, so the array moves on).
struct LenientEvent: Decodable {
    var event: ClientEvent?

    init(from decoder: any Decoder) throws {
        event = try? ClientEvent(from: decoder)
    }
}
