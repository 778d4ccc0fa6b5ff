import FedBotCore
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import SynapseAdmin

/// The bot's own work per command, piece by piece, without the network: the store operations the sync
/// service, the command worker and the outbox run for one command (on a file in the temp directory, as
/// the bot's state file would be), the parse + render, and the reply's JSON encoding. This explains the
/// "bot processing" figure of the latency phase.
enum StoreBench {
    static func run(report: Report, quick: Bool) async throws {
        log("== store: the bot's per-command store work, in-process")
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("fedbot-bench-store-\(UUID().uuidString.prefix(8).lowercased())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try BotStore(path: directory + "/state.sqlite")
        try await store.setValue("1750000000000", for: BotStore.Key.firstSyncAt)
        let now = Timestamp(milliseconds: 1_750_000_000_000)
        let context = RenderContext(prefix: "!fed", now: now)
        let parser = CommandParser(prefix: "!fed")
        let destination = Destination(destination: "127.0.0.1:8448", lastSuccessfulStreamOrdering: 42)
        let count = quick ? 200 : 1000
        var samples: [String: [Double]] = [:]
        func time<T>(_ name: String, _ body: () async throws -> T) async rethrows -> T {
            let started = ContinuousClock.now
            let value = try await body()
            samples[name, default: []].append((ContinuousClock.now - started).milliseconds * 1000)
            return value
        }
        for index in 0..<count {
            let eventID = "$bench\(index)abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
            guard let typedEventID = EventID(eventID), let roomID = RoomID("!room:127.0.0.1:8448"),
                let sender = UserID("@alice:127.0.0.1:8448")
            else { throw BenchError("invalid IDs") }
            let command = StoredCommand(
                eventID: typedEventID, roomID: roomID, sender: sender,
                body: "!fed show 127.0.0.1:8448", threadRoot: nil, originTs: now.milliseconds,
                receivedAt: now.milliseconds)
            // Sync service: the first-sync mark, then the command and the position in one transaction.
            _ = try await time("1 sync: read first_sync_at") { try await store.value(BotStore.Key.firstSyncAt) }
            _ = try await time("2 sync: recordSync (write)") {
                try await store.recordSync(nextBatch: "s\(index)_1_0_1", commands: [command])
            }
            // Command worker: pending commands, parse + render, complete (reply into the outbox).
            let pending = try await time("3 worker: pendingCommands (read)") { try await store.pendingCommands() }
            guard let first = pending.first else { throw BenchError("no pending command") }
            let reply = await time("4 worker: parse + render show") { () -> Reply in
                _ = parser.parse(message: first.body)
                return ShowReply(destination: destination, sharedRooms: 1).render(context)
            }
            let message = OutgoingMessage(
                transactionID: "fedbot.reply.\(eventID)", roomID: first.roomID,
                content: MessageContent.reply(reply, to: typedEventID, threadRoot: nil))
            try await time("5 worker: complete (write)") {
                try await store.complete(first, reply: message, followUp: nil, now: now.milliseconds)
            }
            _ = try await time("6 worker: nextFollowUpDue (read)") { try await store.nextFollowUpDue() }
            // Outbox: unsent messages, the body, then (after the PUT) the sent mark.
            let unsent = try await time("7 outbox: unsentMessages (read)") { try await store.unsentMessages() }
            guard let entry = unsent.first else { throw BenchError("nothing in the outbox") }
            _ = try await time("8 outbox: encode reply JSON") { try HomeserverConnection.body(entry.message.content) }
            try await time("9 outbox: markSent (write, after the PUT)") {
                try await store.markSent(entry.id, eventID: "$sent\(index)", now: now.milliseconds)
            }
        }
        var beforePut = 0.0
        for name in samples.keys.sorted() {
            let values = samples[name] ?? []
            let p50 = Stats.median(values)
            if !name.hasPrefix("9") { beforePut += p50 }
            report.add(
                "store/CPU per command: \(name.dropFirst(2))", p50, "µs p50 / p95",
                shown: Format.pair(p50, Stats.percentile(values, 95)))
        }
        report.add("store/CPU per command: sum of 1-8 (before the reply PUT)", beforePut / 1000, "ms")
        try await hops(report: report, quick: quick)
    }

    /// The hand-offs between the bot's services: the `Wakeup` doorbell (sync → worker, worker → outbox)
    /// and the typing task every command starts and cancels, against a bare continuation.
    static func hops(report: Report, quick: Bool) async throws {
        let count = quick ? 200 : 1000
        var bare: [Double] = []
        var doorbell: [Double] = []
        var typing: [Double] = []
        let wakeup = Wakeup(clock: SystemClock())
        for _ in 0..<count {
            // A parked continuation resumed from another task.
            let (signals, signal) = AsyncStream.makeStream(of: Void.self)
            let waiter = Task { () -> ContinuousClock.Instant in
                for await _ in signals { break }
                return ContinuousClock.now
            }
            try await Task.sleep(for: .microseconds(200))
            var started = ContinuousClock.now
            signal.yield()
            bare.append((await waiter.value - started).milliseconds * 1000)

            // Wakeup.wait(timeout:) as the worker and the outbox use it (a task group with a sleeping child).
            let sleeper = Task { () -> ContinuousClock.Instant in
                await wakeup.wait(timeout: .seconds(30))
                return ContinuousClock.now
            }
            try await Task.sleep(for: .microseconds(200))
            started = ContinuousClock.now
            wakeup.signal()
            doorbell.append((await sleeper.value - started).milliseconds * 1000)

            // CommandWorker.withTyping: a task sleeping 400 ms, cancelled and awaited after the command.
            started = ContinuousClock.now
            let typingTask = Task {
                try await Task.sleep(for: .milliseconds(400))
                return true
            }
            typingTask.cancel()
            _ = try? await typingTask.value
            typing.append((ContinuousClock.now - started).milliseconds * 1000)
        }
        func add(_ name: String, _ values: [Double]) {
            report.add(
                "hand-off: \(name)", Stats.median(values), "µs p50 / p95",
                shown: Format.pair(Stats.median(values), Stats.percentile(values, 95)))
        }
        add("continuation resumed by another task", bare)
        add("Wakeup.signal → wait(timeout:) returns", doorbell)
        add("typing task started, cancelled, awaited", typing)
    }
}
