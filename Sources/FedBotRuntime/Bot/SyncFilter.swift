import FedBotCore
import FedBotModels
import MatrixClient

/// The `/sync` filter: only the admin rooms (and the notice rooms, for reactions on notices), only the event types the bot reads, lazy-loaded members, no
/// presence, no ephemeral events, no account data. Keeps long-poll answers small even for an account
/// in many busy rooms. (Invites are not filtered by room, so invites to configured rooms still arrive.)
enum SyncFilter {
    static let timelineLimit = 50

    static func json(adminRooms: Set<String>) -> JSONValue {
        let none: JSONValue = .object(["not_types": .array([.string("*")])])
        let stateTypes = ["m.room.power_levels", "m.room.create", "m.room.encryption", "m.room.canonical_alias"]
        // Reactions: the buttons on notices (notice rooms are in `adminRooms` here too) and ✅ on prompts.
        let timelineTypes = ["m.room.message", "m.room.encrypted", "m.room.member", "m.reaction"] + stateTypes
        return .object([
            "presence": none,
            "account_data": none,
            "room": .object([
                "rooms": .array(adminRooms.sorted().map(JSONValue.string)),
                "ephemeral": none,
                "account_data": none,
                "state": .object([
                    "lazy_load_members": .bool(true),
                    "types": .array(stateTypes.map(JSONValue.string)),
                ]),
                "timeline": .object([
                    "limit": .number(Double(timelineLimit)),
                    "types": .array(timelineTypes.map(JSONValue.string)),
                ]),
            ]),
        ])
    }

    /// For a one-off look at pending invites: no timelines, no state.
    static var invitesOnly: String {
        #"{"presence":{"not_types":["*"]},"account_data":{"not_types":["*"]},"room":{"ephemeral":{"not_types":["*"]},"account_data":{"not_types":["*"]},"state":{"not_types":["*"]},"timeline":{"limit":0}}}"#
    }
}
