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
        #expect(post.map(\.transactionID) == ["fedbot.notice.k3x.failure-1.!alerts:example.org"])
        #expect(edit.map(\.transactionID) == ["fedbot.edit.k3x.failure-1.2.!alerts:example.org"])
        #expect(thread.map(\.transactionID) == ["fedbot.thread.k3x.failure-1.recovered.3.!alerts:example.org"])
        let reference = OutboxReference.placeholder(post[0].transactionID)
        #expect(try encoded(edit[0]).contains(reference))
        #expect(try encoded(thread[0]).contains(reference))
    }

    @Test func stateFilesFromBeforeScopesKeepTheirTransactionIDs() {
        let post = NoticeOutbox.messages(
            for: .post(key: "baseline-1", reply: reply), rooms: [roomID("!a:x"), roomID("!b:x")])
        #expect(post.map(\.transactionID) == ["fedbot.notice.baseline-1.!a:x", "fedbot.notice.baseline-1.!b:x"])
    }
}
