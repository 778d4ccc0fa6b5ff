import FedBotCore
import FedBotModels
import Logging
import MatrixClient

extension SyncService {
    /// Joins invites to configured rooms; declines every other invite.
    func handleInvites(_ response: SyncResponse) async {
        for (roomID, invite) in response.rooms.invite.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let matrix = self.matrix
            if await rooms.isConfigured(roomID, resolve: { try? await matrix.resolve($0) }) {
                do {
                    _ = try await matrix.join(.id(roomID))
                    await rooms.joined(roomID)
                    logger.info("Joined a configured room after an invite", metadata: ["room": "\(roomID)"])
                } catch {
                    logger.warning(
                        "Could not join after an invite",
                        metadata: [
                            "room": "\(LogText.sanitized(roomID.rawValue))",
                            "error": "\(LogText.sanitized("\(error)"))",
                        ])
                }
            } else {
                let sender = invite.events.first {
                    $0.type == "m.room.member" && $0.content["membership"]?.string == "invite"
                }?.sender
                logger.info(
                    "Declining an invite to a room that is not configured",
                    metadata: ["room": "\(LogText.sanitized(roomID.rawValue))", "inviter": "\(Self.inviter(sender))"])
                try? await matrix.leave(roomID, reason: "fedbot only joins the rooms in its configuration")
            }
        }
    }

    /// An invite's sender for the log: a valid user ID (escaped all the same: its localpart may hold control
    /// characters), or "invalid" with an escaped, shortened form of what the invite claimed.
    static func inviter(_ sender: String?) -> String {
        guard let sender else { return "?" }
        guard let user = UserID(sender) else { return "invalid: " + LogText.sanitized(sender, maxLength: 64) }
        return LogText.sanitized(user.rawValue)
    }

    /// Notices encryption being turned on in an admin room.
    func noteRoomState(_ response: SyncResponse, adminRooms: Set<RoomID>) async {
        for (roomID, room) in response.rooms.join where adminRooms.contains(roomID) {
            if (room.state + room.timeline).contains(where: { $0.type == "m.room.encryption" && $0.isState }) {
                await rooms.warnEncrypted(roomID, logger: logger)
            }
        }
    }
}
