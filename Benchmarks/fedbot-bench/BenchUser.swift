import FedBotLab
import FedBotModels
import Foundation
import Logging
import MatrixClient

/// A human on homeserver A (the lab's alice), driven through the real client-server API: sends
/// commands and watches her own `/sync` for the bot's replies, like a Matrix client would.
struct BenchUser: Sendable {
    let connection: HomeserverConnection
    let matrix: MatrixClient
    let userID: String

    init(baseURL: String, user: LabUser) {
        connection = HomeserverConnection(
            baseURL: baseURL, accessToken: user.accessToken, transport: AsyncHTTPClientTransport(),
            logger: quietLogger("bench-user"))
        matrix = MatrixClient(connection: connection)
        userID = user.userID
    }

    static let v3 = ["_matrix", "client", "v3"]

    /// Sends `m.text`; returns its event ID.
    func say(_ roomID: String, _ text: String) async throws -> String {
        struct Answer: Decodable { var event_id: String }
        let content: JSONValue = .object(["msgtype": .string("m.text"), "body": .string(text)])
        return try await connection.json(
            Answer.self, .put, Self.v3 + ["rooms", roomID, "send", "m.room.message", UUID().uuidString],
            body: HomeserverConnection.body(content), retry: .idempotent
        ).event_id
    }

    /// Creates a private room inviting `invite`; returns its ID.
    func createRoom(name: String, invite: [String]) async throws -> String {
        struct Answer: Decodable { var room_id: String }
        let body: JSONValue = .object([
            "name": .string(name), "preset": .string("private_chat"), "invite": .array(invite.map(JSONValue.string)),
        ])
        return try await connection.json(
            Answer.self, .post, Self.v3 + ["createRoom"], body: HomeserverConnection.body(body), retry: .none
        ).room_id
    }

    /// A filter for one room's messages only: nothing else wakes the long-poll.
    static func filter(room: String) -> String {
        let none = #"{"not_types":["*"]}"#
        return #"{"presence":\#(none),"account_data":\#(none),"room":{"rooms":["\#(room)"],"#
            + #""timeline":{"limit":50,"types":["m.room.message"]},"state":\#(none),"ephemeral":\#(none),"#
            + #""account_data":\#(none)}}"#
    }
}

/// What alice saw for one command.
struct CommandRoundTrip: Sendable {
    var eventID: String
    /// Just before the PUT of the command.
    var sentAt: ContinuousClock.Instant
    /// The command's `origin_server_ts` (ms), from alice's own sync.
    var originTs: Int64
    /// When alice's `/sync` response holding the reply returned.
    var seenAt: ContinuousClock.Instant
    /// The same moment on the wall clock (ms), to compare with `originTs`.
    var seenWallMs: Int64
    var replyBody: String
}

/// Alice's side of the conversation: one `/sync` position, commands one after another.
final class Conversation: @unchecked Sendable {
    let user: BenchUser
    let room: String
    let botUser: String
    private let filter: String
    private var since: String?

    init(user: BenchUser, room: String, botUser: String) {
        self.user = user
        self.room = room
        self.botUser = botUser
        self.filter = BenchUser.filter(room: room)
    }

    /// Takes the current position (nothing before it counts).
    func start() async throws {
        since = try await user.matrix.sync(filter: filter, since: nil, timeout: .zero).nextBatch
    }

    /// Sends `text` and long-polls until the bot's reply to it arrives.
    /// With `quietUntil`, alice does nothing until it returns (the bot's reply PUT is done), then syncs: her
    /// client then does not compete with the bot for this process's threads while it works.
    func roundTrip(
        _ text: String, timeout: Duration = .seconds(60), quietUntil: (@Sendable (String) async -> Void)? = nil
    ) async throws -> CommandRoundTrip {
        let sentAt = ContinuousClock.now
        let eventID = try await user.say(room, text)
        if let quietUntil { await quietUntil(eventID) }
        let deadline = sentAt + timeout
        var originTs: Int64?
        while ContinuousClock.now < deadline {
            let response = try await user.matrix.sync(filter: filter, since: since, timeout: .seconds(30))
            let seenAt = ContinuousClock.now
            let seenWall = Self.wallMilliseconds()
            since = response.nextBatch
            for event in RoomID(room).flatMap({ response.rooms.join[$0] })?.timeline ?? [] {
                if event.eventID == eventID { originTs = event.originServerTs }
                let inReplyTo = event.content["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.string
                if event.sender == botUser, inReplyTo == eventID {
                    guard let originTs else { throw BenchError("the reply to \(eventID) came before the command") }
                    return CommandRoundTrip(
                        eventID: eventID, sentAt: sentAt, originTs: originTs, seenAt: seenAt, seenWallMs: seenWall,
                        replyBody: event.content["body"]?.string ?? "")
                }
            }
        }
        throw BenchError("no reply to \"\(text)\" within \(timeout)")
    }

    static func wallMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}

/// Warnings and errors only.
func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}
