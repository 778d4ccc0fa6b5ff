import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import SynapseAdmin

/// Section 3: the bot running in-process over a logging transport; alice sends commands one after another
/// and waits for each reply.
final class LatencyBench: Sendable {
    let rooms: BotRooms
    let transport: MeteredTransport
    let bot: RunningBot
    let conversation: Conversation

    private init(rooms: BotRooms, bot: RunningBot, conversation: Conversation, transport: MeteredTransport) {
        self.rooms = rooms
        self.bot = bot
        self.conversation = conversation
        self.transport = transport
    }

    /// Starts the bot (notices off: every admin API request during a command belongs to that command).
    static func start(rooms: BotRooms) async throws -> LatencyBench {
        let store = rooms.storePath("latency")
        let config = try rooms.loadConfig(rooms.writeConfig(name: "latency", storage: store))
        let transport = MeteredTransport(logging: true)
        let bot = try await RunningBot.startReady(config: config, transport: transport, storePath: store)
        let conversation = Conversation(user: rooms.alice, room: rooms.adminRoom, botUser: rooms.botUser)
        do {
            try await conversation.start()
            // Warm-up: connections, caches, the first command's code paths.
            for _ in 0..<3 {
                _ = try await conversation.roundTrip("!fed show \(rooms.lab.info.b.serverName)")
            }
        } catch {
            await bot.stop()
            throw error
        }
        return LatencyBench(rooms: rooms, bot: bot, conversation: conversation, transport: transport)
    }

    func stop() async {
        await bot.stop()
    }

    /// One command's parts, in milliseconds.
    struct Breakdown: Sendable {
        var total: Double
        var syncDelivery: Double
        var adminAPI: Double
        var adminAPISum: Double
        var adminRequests: Int
        var processing: Double
        var send: Double
        var replyDelivery: Double
        /// Decoding the sync response and the admin API answers again, in this process (part of processing).
        var decode: Double
        /// Processing before the first admin request (sync handling, store, wake-up, parse) and after the
        /// last one (render, store, wake-up, outbox) until the reply PUT.
        var beforeAdmin: Double
        var afterAdmin: Double
    }

    /// Sends `command` `count` times and reports p50/p95 of each part.
    func measure(_ name: String, command: String, count: Int, tag: String, report: Report) async throws {
        transport.clearEntries()
        var trips: [CommandRoundTrip] = []
        let transport = self.transport
        var quietUntil: (@Sendable (String) async -> Void)?
        if ProcessInfo.processInfo.environment["FEDBOT_BENCH_QUIET_ALICE"] == "1" {
            quietUntil = { (eventID: String) async -> Void in await transport.waitForReplyPUT(to: eventID) }
        }
        for _ in 0..<count {
            trips.append(try await conversation.roundTrip(command, quietUntil: quietUntil))
        }
        let entries = transport.entries
        transport.clearEntries()
        var parts: [Breakdown] = []
        for trip in trips {
            guard let part = Self.breakdown(trip, entries) else {
                throw BenchError("could not match the bot's requests for \(trip.eventID)")
            }
            parts.append(part)
        }
        let label = "\(tag) \(name)"
        func add(_ part: String, _ values: [Double], budget: Budget? = nil) {
            let p50 = Stats.percentile(values, 50)
            let p95 = Stats.percentile(values, 95)
            report.add("\(label): \(part)", p50, "ms p50 / p95", budget: budget, shown: Format.pair(p50, p95))
        }
        FileHandle.standardError.write(
            Data("  (\(count)× \"\(command)\"; reply starts \"\(trips.last?.replyBody.prefix(60) ?? "")\")\n".utf8))
        add("total (origin_ts → seen)", parts.map(\.total))
        add("sync delivery", parts.map(\.syncDelivery))
        add("admin API (\(parts.last?.adminRequests ?? 0) req)", parts.map(\.adminAPI))
        add("bot processing", parts.map(\.processing), budget: .atMost(2))
        add("  processing before the 1st admin request", parts.map(\.beforeAdmin))
        add("  processing after the last admin answer", parts.map(\.afterAdmin))
        add("  JSON decoding of sync + admin answers (re-measured)", parts.map(\.decode))
        add("send (reply PUT)", parts.map(\.send))
        add("reply → alice's sync", parts.map(\.replyDelivery))
        if parts.contains(where: { $0.adminAPISum > $0.adminAPI + 0.5 }) {
            let sums = parts.map(\.adminAPISum)
            report.add(
                "\(label): admin API, sum of request times", Stats.median(sums), "ms p50 / p95",
                shown: Format.pair(Stats.median(sums), Stats.percentile(sums, 95)))
        }
    }

    /// Matches one round trip with the bot's requests.
    static func breakdown(_ trip: CommandRoundTrip, _ entries: [MeteredTransport.Entry]) -> Breakdown? {
        let needle = Data(trip.eventID.utf8)
        guard
            let sync = entries.first(where: {
                $0.isSync && $0.end >= trip.sentAt && $0.body?.range(of: needle) != nil
            }),
            let put = entries.first(where: {
                $0.method == "PUT" && $0.path.hasSuffix("/send/m.room.message/fedbot.reply.\(trip.eventID)")
            })
        else { return nil }
        let admin = entries.filter { $0.isAdmin && $0.start >= sync.end && $0.start <= put.start }
        let union = Self.union(admin.map { ($0.start, min($0.end, put.start)) })
        let sum = admin.reduce(0.0) { $0 + ($1.end - $1.start).milliseconds }
        let gap = (put.start - sync.end).milliseconds
        return Breakdown(
            total: Double(trip.seenWallMs - trip.originTs),
            syncDelivery: (sync.end - trip.sentAt).milliseconds,
            adminAPI: union, adminAPISum: sum, adminRequests: admin.count,
            processing: gap - union,
            send: (put.end - put.start).milliseconds,
            replyDelivery: (trip.seenAt - put.end).milliseconds,
            decode: decodeTime(sync: sync, admin: admin),
            beforeAdmin: ((admin.map(\.start).min() ?? put.start) - sync.end).milliseconds,
            afterAdmin: (put.start - (admin.map(\.end).max() ?? sync.end)).milliseconds)
    }

    /// Milliseconds to decode these responses as the bot does (median of 5).
    static func decodeTime(sync: MeteredTransport.Entry, admin: [MeteredTransport.Entry]) -> Double {
        var times: [Double] = []
        for _ in 0..<5 {
            let started = ContinuousClock.now
            let decoder = JSONDecoder()
            if let body = sync.body { _ = try? decoder.decode(SyncResponse.self, from: body) }
            for entry in admin {
                guard let body = entry.body else { continue }
                let path = entry.path
                if path.hasSuffix("/federation/destinations") {
                    _ = DestinationPage(scanning: body) ?? (try? JSONDecoder().decode(DestinationPage.self, from: body))
                } else if path.hasSuffix("/rooms") {
                    _ = try? JSONDecoder().decode(DestinationRoomsPage.self, from: body)
                } else if path.contains("/admin/v1/rooms/") {
                    _ = try? JSONDecoder().decode(RoomDetails.self, from: body)
                } else {
                    _ = try? JSONDecoder().decode(Destination.self, from: body)
                }
            }
            times.append((ContinuousClock.now - started).milliseconds)
        }
        return Stats.median(times)
    }

    /// Milliseconds covered by at least one interval.
    static func union(_ intervals: [(ContinuousClock.Instant, ContinuousClock.Instant)]) -> Double {
        let sorted = intervals.sorted { $0.0 < $1.0 }
        var total = 0.0
        var current: (ContinuousClock.Instant, ContinuousClock.Instant)?
        for interval in sorted {
            if let open = current, interval.0 <= open.1 {
                current = (open.0, max(open.1, interval.1))
            } else {
                if let open = current { total += (open.1 - open.0).milliseconds }
                current = interval
            }
        }
        if let open = current { total += (open.1 - open.0).milliseconds }
        return total
    }
}

/// Gives destination B `count` shared rooms: the lab's admin creates `count - 1` real rooms on A (named, so
/// the room-details API has a name and a member count; admin is their only member, bob is not invited),
/// then `destination_rooms` rows for B are inserted by SQL next to the real one for the shared room. The
/// rooms endpoint reads that table directly (no cache).
func giveBSharedRooms(lab: Lab, count: Int) async throws -> Duration {
    let started = ContinuousClock.now
    let admin = BenchUser(baseURL: lab.info.a.clientURL, user: lab.info.users.admin)
    let wanted = count - 1
    let rooms = try await withThrowingTaskGroup(of: String.self) { group in
        var made: [String] = []
        var next = 0
        while next < min(4, wanted) {
            let index = next
            group.addTask { try await admin.createRoom(name: "bench shared room \(index + 2)", invite: []) }
            next += 1
        }
        while let room = try await group.next() {
            made.append(room)
            if next < wanted {
                let index = next
                group.addTask { try await admin.createRoom(name: "bench shared room \(index + 2)", invite: []) }
                next += 1
            }
        }
        return made
    }
    let b = lab.info.b.serverName
    func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
    let values = rooms.map { "(\(quoted(b)), \(quoted($0)), 1)" }.joined(separator: ", ")
    _ = try await lab.sql("INSERT INTO destination_rooms (destination, room_id, stream_ordering) VALUES \(values)")
    return ContinuousClock.now - started
}
