import FedBotCore
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import Testing

/// Notice transaction IDs: unique per state file, and edits and thread replies refer to their notice.
@Suite struct NoticeOutboxTests {
    let reply = Reply([.line("⚠️ example.org unreachable since 09:12 UTC")])

    func encoded(_ message: OutgoingMessage) throws -> String {
        String(decoding: try JSONEncoder().encode(message.content), as: UTF8.self)
    }

    @Test func editsAndRepliesReferToTheirNoticeWithinTheSameScope() throws {
        let room = roomID("!alerts:example.org")
        let post = NoticeOutbox.messages(for: .post(key: "failure-1", reply: reply), rooms: [room], scope: "k3x.")
        let edit = NoticeOutbox.messages(
            for: .edit(key: "failure-1", revision: "2", reply: reply), rooms: [room], scope: "k3x.")
        let thread = NoticeOutbox.messages(
            for: .threadReply(key: "failure-1", replyKey: "failure-1.recovered.3", reply: reply), rooms: [room],
            scope: "k3x.")
        #expect(
            post.filter { $0.eventType == "m.room.message" }.map(\.transactionID) == [
                "fedbot.notice.k3x.failure-1.!alerts:example.org"
            ])
        #expect(edit.map(\.transactionID) == ["fedbot.edit.k3x.failure-1.2.!alerts:example.org"])
        #expect(thread.map(\.transactionID) == ["fedbot.thread.k3x.failure-1.recovered.3.!alerts:example.org"])
        let reference = OutboxReference.placeholder(post[0].transactionID)
        #expect(try encoded(edit[0]).contains(reference))
        #expect(try encoded(thread[0]).contains(reference))
    }

    @Test func stateFilesFromBeforeScopesKeepTheirTransactionIDs() {
        let post = NoticeOutbox.messages(
            for: .post(key: "baseline-1", reply: reply), rooms: [roomID("!a:x"), roomID("!b:x")])
        #expect(
            post.filter { $0.eventType == "m.room.message" }.map(\.transactionID) == [
                "fedbot.notice.baseline-1.!a:x", "fedbot.notice.baseline-1.!b:x",
            ])
    }

    @Test("a failure notice carries the bot's own 🔁 👀 🔇, each once, on that notice; an outage notice none")
    func buttons() throws {
        let room = roomID("!alerts:example.org")
        let post = NoticeOutbox.messages(for: .post(key: "group-4", reply: reply), rooms: [room], scope: "k3x.")
        let reactions = post.filter { $0.eventType == "m.reaction" }
        #expect(
            reactions.map(\.transactionID) == [
                "fedbot.button.k3x.group-4.reset.!alerts:example.org",
                "fedbot.button.k3x.group-4.acknowledge.!alerts:example.org",
                "fedbot.button.k3x.group-4.mute.!alerts:example.org",
            ])
        #expect(post.first?.eventType == "m.room.message", "the notice goes first: the reactions refer to it")
        let placeholder = OutboxReference.placeholder(post[0].transactionID)
        #expect(
            reactions.map { $0.content["m.relates_to"] }
                == ["🔁", "👀", "🔇"].map {
                    .object(["rel_type": .string("m.annotation"), "event_id": .string(placeholder), "key": .string($0)])
                })
        let outage = NoticeOutbox.messages(for: .post(key: "outage-5", reply: reply), rooms: [room])
        #expect(outage.count == 1)
        // A reaction's target is found again by its transaction ID.
        #expect(NoticeOutbox.noticeKey(ofTransaction: post[0].transactionID, room: room, scope: "k3x.") == "group-4")
        #expect(NoticeOutbox.noticeKey(ofTransaction: reactions[0].transactionID, room: room, scope: "k3x.") == nil)
        #expect(NoticeOutbox.noticeKey(ofTransaction: "fedbot.reply.$x", room: room, scope: "") == nil)
    }
}
