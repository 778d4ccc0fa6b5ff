import FedBotCore
import FedBotLab
import FedBotModels
import Foundation
import MatrixClient
import Testing

/// The client-server API fedbot uses, against real Synapse.
@Suite("MatrixClient against real Synapse", .serialized)
struct MatrixClientTests {
    @Test("whoami, aliases, state, send deduplicated by transaction ID, edit, reaction, typing, messages")
    func clientAPI() async throws {
        try await Lab.with(LabOptions()) { lab in
            let connection = HomeserverConnection(
                baseURL: lab.info.a.clientURL, accessToken: lab.info.users.admin.accessToken,
                transport: AsyncHTTPClientTransport(), logger: quietLogger("client"))
            let client = MatrixClient(connection: connection)
            let me = try await client.whoAmI()
            #expect(me.userID.rawValue == lab.info.users.admin.userID)
            #expect(try await client.versions().contains { $0.hasPrefix("v1.") })

            let shared = try #require(RoomID(lab.info.sharedRoomID))
            #expect(try await client.joinedRooms().contains(shared))
            let alias = try #require(RoomAlias("#lab-shared:\(lab.info.a.serverName)"))
            #expect(try await client.resolve(alias) == shared)
            #expect(try await client.state(shared, type: "m.room.encryption") == nil)
            let create = try #require(try await client.stateEvent(shared, type: "m.room.create"))
            #expect(create.sender == me.userID.rawValue)

            // The same transaction ID twice is one event: what makes retries after a crash safe.
            let content = MessageContent.notice(Reply(plain: "hello", html: "<p>hello</p>"))
            let first = try await client.send(
                shared, type: "m.room.message", transactionID: "txn-test-1", content: content)
            let again = try await client.send(
                shared, type: "m.room.message", transactionID: "txn-test-1", content: content)
            #expect(first == again)

            let edit = try await client.send(
                shared, type: "m.room.message", transactionID: "txn-test-2",
                content: MessageContent.edit(
                    of: first.rawValue, with: Reply(plain: "hello again", html: "<p>hello again</p>")))
            #expect(try await client.react(shared, to: first.rawValue, key: "✅", transactionID: "txn-test-3") != nil)
            // A second identical reaction under a new transaction is refused by Synapse and counts as done.
            #expect(try await client.react(shared, to: first.rawValue, key: "✅", transactionID: "txn-test-4") == nil)
            try await client.setTyping(shared, user: me.userID, typing: true)
            try await client.setTyping(shared, user: me.userID, typing: false)

            let sync = try await client.sync(filter: nil, since: nil, timeout: .zero)
            let page = try await client.messages(shared, from: sync.nextBatch, direction: "b", limit: 20)
            let ids = page.chunk.compactMap(\.eventID)
            #expect(ids.contains(first.rawValue))
            #expect(ids.contains(edit.rawValue))
            #expect(ids.filter { $0 == first.rawValue }.count == 1)
        }
    }
}
