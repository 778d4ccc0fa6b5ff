public import FedBotCore
public import FedBotModels
public import MatrixClient
public import SynapseAdmin

/// Makes sure the bot has its admin room and notice room, making each only when the bot's account data
/// does not already name a usable one (the bot still in it, unencrypted), and that the admins are invited
/// and have power level 100 in both.
///
/// The pair is remembered in the bot's own account data (`SetupRooms.accountDataType`), written right
/// after each room is made: only the bot's token can read or change it, unlike an alias, which anyone on
/// the server could register first to steer fedbot into a room of theirs.
public struct RoomPairSetup: Sendable {
    public let matrix: MatrixClient
    /// Purges a room the homeserver encrypted (the bot is a server admin); without it the room is only left.
    public let admin: SynapseAdminClient?
    /// Validated, without duplicates and without the bot itself.
    public let admins: [UserID]

    public init(matrix: MatrixClient, admin: SynapseAdminClient?, admins: [UserID]) {
        self.matrix = matrix
        self.admin = admin
        self.admins = admins
    }

    /// What happened, for the CLI to print.
    public struct Outcome: Sendable {
        public var rooms: [SetupRooms.Role: RoomID] = [:]
        /// One line per thing done or found, in order.
        public var lines: [String] = []
        /// Invites that failed (the rooms exist; the admin can be invited again by re-running).
        public var problems: [String] = []
    }

    /// The homeserver made a new room encrypted: nothing is kept.
    public struct ForcedEncryption: Error, CustomStringConvertible {
        public var room: RoomID
        /// Whether the admin API removed it; otherwise it was only left and forgotten.
        public var purged: Bool
        public var description: String {
            "the homeserver made the new room encrypted although fedbot asked for no encryption, and fedbot "
                + "cannot read encrypted rooms. Synapse does this when homeserver.yaml sets "
                + "encryption_enabled_by_default_for_room_type: all. Set it to invite or off (fedbot's rooms "
                + "stay unencrypted with invite), restart Synapse, and run fedbot setup again. The encrypted "
                + "room \(room) was " + (purged ? "purged (admin API)." : "left and forgotten.")
        }
    }

    public func run() async throws -> Outcome {
        let bot = try await matrix.whoAmI().userID
        var record = SetupRooms.Record(content: try await matrix.accountData(SetupRooms.accountDataType, of: bot))
        let joined = Set(try await matrix.joinedRooms())
        var outcome = Outcome()
        let unrecorded = SetupRooms.Role.allCases.filter { record.rooms[$0] == nil }
        if !unrecorded.isEmpty {
            let found = try await marked(among: joined, roles: unrecorded, bot: bot)
            for (role, room) in found.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                record.rooms[role] = room
                outcome.lines.append("Found the \(role.label) \(room), made by an earlier setup that was cut off.")
            }
            if !found.isEmpty {
                try await matrix.setAccountData(SetupRooms.accountDataType, of: bot, content: record.content)
            }
        }
        for role in SetupRooms.Role.allCases {
            if let existing = record.rooms[role] {
                if !joined.contains(existing) {
                    outcome.lines.append(
                        "The \(role.label) \(existing) of an earlier setup no longer has the bot in it: making a new one."
                    )
                } else if try await isEncrypted(existing) {
                    outcome.lines.append(
                        "The \(role.label) \(existing) of an earlier setup is encrypted now, so the bot cannot read it: "
                            + "making a new one.")
                } else {
                    outcome.lines.append("\(role.label.capitalizedFirst): \(existing) (made by an earlier setup)")
                    outcome.rooms[role] = existing
                    try await raisePowerLevels(in: existing)
                    await invite(to: existing, role: role, outcome: &outcome)
                    continue
                }
            }
            let version = try? await matrix.defaultRoomVersion()
            let room = try await matrix.createRoom(
                SetupRooms.createRoomBody(role: role, admins: admins, bot: bot, roomVersion: version))
            if try await isEncrypted(room) {
                // No one was invited yet: nothing is left behind but the empty room, which is purged.
                let purged = await purge(room)
                try? await matrix.leave(room, reason: "fedbot setup: the homeserver encrypted this room")
                try? await matrix.forget(room)
                throw ForcedEncryption(room: room, purged: purged)
            }
            record.rooms[role] = room
            try await matrix.setAccountData(SetupRooms.accountDataType, of: bot, content: record.content)
            outcome.rooms[role] = room
            outcome.lines.append("\(role.label.capitalizedFirst): \(room) (new: \"\(role.name)\")")
            await invite(to: room, role: role, outcome: &outcome)
        }
        return outcome
    }

    /// Rooms the bot created with a `SetupRooms.markerType` event for one of `roles` (one GET per joined
    /// room, only when the account data lacks a room).
    private func marked(among joined: Set<RoomID>, roles: [SetupRooms.Role], bot: UserID) async throws
        -> [SetupRooms.Role: RoomID]
    {
        var found: [SetupRooms.Role: RoomID] = [:]
        for room in joined.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let marker = try? await matrix.state(room, type: SetupRooms.markerType),
                let role = marker["role"]?.string.flatMap(SetupRooms.Role.init(rawValue:)),
                roles.contains(role), found[role] == nil,
                try await matrix.stateEvent(room, type: "m.room.create")?.sender == bot.rawValue
            else { continue }
            found[role] = room
        }
        return found
    }

    private func purge(_ room: RoomID) async -> Bool {
        guard let admin else { return false }
        do {
            try await admin.purgeRoom(room)
            return true
        } catch {
            return false
        }
    }

    private func isEncrypted(_ room: RoomID) async throws -> Bool {
        try await matrix.state(room, type: "m.room.encryption") != nil
    }

    /// Admins named in a later run get 100 in a room made earlier.
    private func raisePowerLevels(in room: RoomID) async throws {
        let current = try await matrix.state(room, type: "m.room.power_levels")
        if let raised = SetupRooms.raisingAdmins(current, admins: admins) {
            try await matrix.setState(room, type: "m.room.power_levels", content: raised)
        }
    }

    /// Invites every admin not already in the room or invited; a failed invite is a problem, not the end.
    private func invite(to room: RoomID, role: SetupRooms.Role, outcome: inout Outcome) async {
        for admin in admins {
            let membership: String?
            do {
                membership = try await matrix.state(room, type: "m.room.member", stateKey: admin.rawValue)?[
                    "membership"]?.string
            } catch {
                membership = nil
            }
            switch membership {
            case "join":
                outcome.lines.append("  \(admin) is a member")
            case "invite":
                outcome.lines.append("  \(admin) is invited (not joined yet)")
            case "ban":
                outcome.problems.append("\(admin) is banned from the \(role.label) \(room): unban them first")
            default:
                do {
                    try await matrix.invite(admin, to: room)
                    outcome.lines.append("  invited \(admin)")
                } catch let error as MatrixError {
                    outcome.problems.append(
                        "could not invite \(admin) to the \(role.label): \(MatrixErrorText.describe(error))")
                } catch {
                    outcome.problems.append("could not invite \(admin) to the \(role.label): \(error)")
                }
            }
        }
    }
}

extension String {
    fileprivate var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
