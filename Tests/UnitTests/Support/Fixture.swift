import FedBotModels
import Foundation
import MatrixClient

/// A response recorded from the lab's real Synapse 1.163.2 (`Fixtures/Synapse/*.json`: status, body and
/// the `Retry-After` header), served by `ScriptedHomeserver`.
struct Fixture {
    var status: Int
    var body: JSONValue
    var retryAfter: String?

    init(_ name: String) throws {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/Synapse")
        else { throw ServiceTestError("no fixture \(name)") }
        let file = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
        status = file["status"]?.lenientInt ?? 0
        body = file["body"] ?? .null
        retryAfter = file["retry_after"]?.string
    }

    var response: HTTPResponse {
        get throws {
            HTTPResponse(
                status: status, headers: retryAfter.map { [(name: "Retry-After", value: $0)] } ?? [],
                body: try JSONEncoder().encode(body))
        }
    }

    static func response(_ name: String) throws -> HTTPResponse { try Fixture(name).response }

    /// The lab's names in the recorded responses.
    enum Lab {
        static let bot = userID("@admin:127.0.0.1:12754")
        static let alice = userID("@alice:127.0.0.1:12754")
        static let adminRoom = roomID("!65pXNE8i9h6HCWz5VI2cNBY3Tl5Z0TrDACtO4c18Luc")
        static let remote = "127.0.0.1:22656"
        /// The `!fed reset 127.0.0.1:22656` that alice sent (in `sync-command.json`).
        static let commandEvent = eventID("$yd1bdLlP80ngUUTTsuEinSp67gxe8dE_DabB0h4kDiU")
        static let commandSentAt = Timestamp(milliseconds: 1_796_430_042_746)
    }
}
