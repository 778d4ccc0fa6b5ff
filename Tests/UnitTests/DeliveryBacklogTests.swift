import FedBotModels
import Foundation
import Logging
import MatrixClient
import SynapseAdmin
import Testing

/// `SynapseAdminClient.deliveryBacklog` over scripted pages of `GET …/destinations/{d}/rooms`: paging,
/// the page cap, a token that does not move, rooms seen twice, and a destination never delivered to (the
/// count against the real lab is in IntegrationTests' AdminClientTests).
@Suite struct DeliveryBacklogTests {
    static func page(_ rooms: [(String, Int64)], total: Int, next: Int?) -> HTTPResponse {
        let items = rooms.map { #"{"room_id":"\#($0.0)","stream_ordering":\#($0.1)}"# }.joined(separator: ",")
        let token = next.map { #","next_token":"\#($0)""# } ?? ""
        return HTTPResponse(
            status: 200, headers: [], body: Data(#"{"rooms":[\#(items)],"total":\#(total)\#(token)}"#.utf8))
    }

    static func client(_ homeserver: ScriptedHomeserver) -> SynapseAdminClient {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return SynapseAdminClient(
            connection: HomeserverConnection(
                baseURL: "http://synapse.test", accessToken: "syt_test", transport: homeserver, logger: logger),
            retry: .none)
    }

    static let destination = Destination(
        destination: "b.example", retryLastTs: 0, retryInterval: 0, failureTs: nil, lastSuccessfulStreamOrdering: 100)

    @Test("every page read: exactly the rooms above the last successful stream ordering, each once")
    func pages() async throws {
        let homeserver = ScriptedHomeserver()
        homeserver.on(
            .get, "/destinations/b.example/rooms",
            Self.page([("!a:x", 90), ("!b:x", 101)], total: 5, next: 2),
            // A room inserted before `!b` shifted `!b` onto this page: counted once.
            Self.page([("!b:x", 101), ("!c:x", 150)], total: 5, next: 4),
            Self.page([("!d:x", 100)], total: 5, next: nil))
        let backlog = try await Self.client(homeserver).deliveryBacklog(Self.destination, pageSize: 2, maxPages: 10)
        #expect(backlog == DeliveryBacklog(sharedRooms: 5, waiting: .exactly(2), roomsRead: 4))
        #expect(
            homeserver.requests(.get, "/rooms").map(\.query) == ["from=0&limit=2", "from=2&limit=2", "from=4&limit=2"])
    }

    @Test("the page cap: a lower bound, and no more requests than the cap")
    func capped() async throws {
        let homeserver = ScriptedHomeserver()
        for first in stride(from: 0, to: 50, by: 2) {
            homeserver.on(
                .get, "/destinations/b.example/rooms",
                Self.page([("!\(first):x", 101), ("!\(first + 1):x", 99)], total: 50, next: first + 2))
        }
        let backlog = try await Self.client(homeserver).deliveryBacklog(Self.destination, pageSize: 2, maxPages: 3)
        #expect(backlog == DeliveryBacklog(sharedRooms: 50, waiting: .atLeast(3), roomsRead: 6))
        #expect(homeserver.requests(.get, "/rooms").count == 3)
    }

    @Test("a next_token that does not move forward ends the walk (no loop)")
    func stuckToken() async throws {
        let homeserver = ScriptedHomeserver()
        homeserver.on(.get, "/destinations/b.example/rooms", repeating: Self.page([("!a:x", 101)], total: 3, next: 0))
        let backlog = try await Self.client(homeserver).deliveryBacklog(Self.destination, pageSize: 1, maxPages: 10)
        #expect(backlog.waiting == .exactly(1))
        #expect(homeserver.requests(.get, "/rooms").count == 1)
    }

    @Test("never delivered (null last_successful_stream_ordering): unknown, from one request of one row")
    func neverDelivered() async throws {
        let homeserver = ScriptedHomeserver()
        homeserver.on(.get, "/destinations/b.example/rooms", repeating: Self.page([("!a:x", 101)], total: 7, next: 1))
        var destination = Self.destination
        destination.lastSuccessfulStreamOrdering = nil
        let backlog = try await Self.client(homeserver).deliveryBacklog(destination)
        #expect(backlog == DeliveryBacklog(sharedRooms: 7, waiting: .unknown, roomsRead: 0))
        #expect(homeserver.requests(.get, "/rooms").map(\.query) == ["from=0&limit=1"])
    }
}
