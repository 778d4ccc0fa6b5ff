import FedBotCore
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import SynapseAdmin

/// A bot that runs for years keeps a small state file: records commands through the store as the sync
/// service and the command worker do (each with its reply in the outbox, sent), moves the clock past the
/// retention window, prunes as the bot's maintenance does, and reports the file's size before and after.
enum RetentionBench {
    static func run(report: Report, quick: Bool) async throws {
        let count = quick ? 10_000 : 100_000
        log("== retention: \(count) commands through the store, then a prune past the window")
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("fedbot-bench-retention-\(UUID().uuidString.prefix(8).lowercased())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try BotStore(path: directory + "/state.sqlite")
        let start = Timestamp(milliseconds: 1_750_000_000_000)
        let context = RenderContext(prefix: "!fed", now: start)
        let destination = Destination(destination: "127.0.0.1:8448", lastSuccessfulStreamOrdering: 42)
        let reply = ShowReply(destination: destination, sharedRooms: 1).render(context)
        guard let roomID = RoomID("!room:127.0.0.1:8448"), let sender = UserID("@alice:127.0.0.1:8448") else {
            throw BenchError("invalid IDs")
        }
        let began = ContinuousClock.now
        for index in 0..<count {
            // One command a second, the rate of a busy admin room.
            let ts = start.milliseconds + Int64(index) * 1000
            guard let eventID = EventID("$retention\(index)abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG") else {
                throw BenchError("invalid event ID")
            }
            let command = StoredCommand(
                eventID: eventID, roomID: roomID, sender: sender, body: "!fed show 127.0.0.1:8448", threadRoot: nil,
                originTs: ts, receivedAt: ts)
            try await store.recordSync(nextBatch: "s\(index)_1_0_1", commands: [command])
            let message = OutgoingMessage(
                transactionID: "fedbot.reply.\(eventID)", roomID: roomID,
                content: MessageContent.reply(reply, to: eventID, threadRoot: nil))
            try await store.complete(command, reply: message, followUp: nil, now: ts)
            guard let entry = try await store.unsentMessages(limit: 1).first else {
                throw BenchError("nothing in the outbox")
            }
            try await store.markSent(entry.id, eventID: "$sent\(index)", now: ts)
        }
        let recording = ContinuousClock.now - began
        let end = start.milliseconds + Int64(count) * 1000
        let retention = Retention(maxCommandAge: .seconds(600))
        // What a running bot's hourly prune sees at the end: nothing is older than the window yet.
        _ = try await store.prune(now: end, retention: retention)
        let before = store.fileSize()
        let pruneStarted = ContinuousClock.now
        let pruned = try await store.prune(
            now: end + retention.window.wholeMilliseconds + 3_600_000, retention: retention)
        let pruning = ContinuousClock.now - pruneStarted
        let after = store.fileSize()
        let outbox = try await store.outboxCount()
        log(
            "   recorded \(count) commands in \(recording); pruned \(pruned.commands) commands and "
                + "\(pruned.messages) messages in \(pruning); outbox left: \(outbox.total)")
        report.add("retention: state file after \(count) commands and replies", Double(before) / 1024, "KiB")
        report.add("retention: state file after pruning past the window", Double(after) / 1024, "KiB")
        report.add("retention: prune of \(count) commands + replies", pruning.milliseconds, "ms")
    }
}
