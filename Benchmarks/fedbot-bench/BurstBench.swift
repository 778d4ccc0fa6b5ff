import FedBotLab
import FedBotModels
import Foundation
import MatrixClient

/// A burst against the spawned `fedbot run`: 10 admins, each in an admin room of their own, send 10
/// `!fed show B` each within one second (100 commands). All must be answered, in order per room; the
/// p95 (origin_ts → the sender's sync shows the reply) is compared with a lone command's.
enum BurstBench {
    static let users = 10
    static let perUser = 10

    /// One admin's side: the commands sent and the replies seen, in timeline order.
    struct Watch {
        var originTs: [String: Int64] = [:]
        var replies: [(to: String, seenWallMs: Int64)] = []
    }

    static func run(_ ctx: LabContext) async throws {
        log("== \(ctx.tag) burst: \(users) admins × \(perUser) commands within a second")
        let lab = ctx.lab
        let botUser = lab.info.users.admin.userID
        var people: [BenchUser] = []
        var rooms: [String] = []
        for index in 0..<users {
            let account = try await BenchAccounts.make(lab: lab, localpart: "burst\(index)", admin: false)
            let user = BenchUser(baseURL: lab.info.a.clientURL, user: account)
            people.append(user)
            rooms.append(try await user.createRoom(name: "bench burst \(index)", invite: [botUser]))
        }
        let config = try ctx.rooms.writeConfig(
            name: "burst", storage: ctx.rooms.storePath("burst"), adminRooms: rooms, operators: people.map(\.userID))
        let child = try ChildProcess(
            ctx.options.fedbotBinary, ["run", "--config", config], directory: ctx.rooms.directory)
        defer { child.signal(SIGKILL) }
        let command = "!fed show \(lab.info.b.serverName)"
        let conversations = zip(people, rooms).map { Conversation(user: $0, room: $1, botUser: botUser) }
        for conversation in conversations {
            try await conversation.start()
            try await BenchAccounts.warmUp(conversation, command, extra: 0)
        }
        // Lone commands first: the yardstick.
        var lone: [Double] = []
        for _ in 0..<(ctx.options.quick ? 20 : 50) {
            let trip = try await conversations[0].roundTrip(command, timeout: .seconds(60))
            lone.append(Double(trip.seenWallMs - trip.originTs))
        }
        // The burst: each admin sends 10 commands 100 ms apart, the admins 10 ms apart; each watches their own sync.
        let filterRooms = rooms
        let results = try await withThrowingTaskGroup(of: (Int, [String], Watch).self) { group in
            for index in 0..<users {
                let (user, room) = (people[index], filterRooms[index])
                group.addTask {
                    let since = try await user.matrix.sync(
                        filter: BenchUser.filter(room: room), since: nil, timeout: .zero
                    ).nextBatch
                    try await Task.sleep(for: .milliseconds(10 * index))
                    async let watch = watchReplies(user: user, room: room, botUser: botUser, since: since)
                    var sent: [String] = []
                    for _ in 0..<perUser {
                        sent.append(try await user.say(room, command))
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    return (index, sent, try await watch)
                }
            }
            var all: [(Int, [String], Watch)] = []
            for try await result in group { all.append(result) }
            return all
        }
        var totals: [Double] = []
        var answered = 0
        var inOrder = 0
        var firstSent: Int64?
        var lastSent: Int64?
        for (_, sent, watch) in results {
            let mine = watch.replies.filter { sent.contains($0.to) }
            answered += Set(mine.map(\.to)).count
            if mine.map(\.to) == sent { inOrder += 1 }
            for reply in mine {
                guard let origin = watch.originTs[reply.to] else { continue }
                totals.append(Double(reply.seenWallMs - origin))
            }
            for id in sent {
                guard let origin = watch.originTs[id] else { continue }
                firstSent = min(firstSent ?? origin, origin)
                lastSent = max(lastSent ?? origin, origin)
            }
        }
        let report = ctx.report
        let total = users * perUser
        report.add(
            "\(ctx.tag) burst: commands answered / sent (\(users) rooms)", Double(answered), "",
            shown: "\(answered) / \(total)")
        report.add(
            "\(ctx.tag) burst: rooms with every reply in order", Double(inOrder), "", shown: "\(inOrder) / \(users)")
        report.add(
            "\(ctx.tag) burst: first → last command's origin_ts", Double((lastSent ?? 0) - (firstSent ?? 0)), "ms")
        report.add(
            "\(ctx.tag) burst: lone `!fed show B` total", Stats.median(lone), "ms p50 / p95",
            shown: Format.pair(Stats.median(lone), Stats.percentile(lone, 95)))
        report.add(
            "\(ctx.tag) burst: `!fed show B` total in the burst", Stats.median(totals), "ms p50 / p95",
            shown: Format.pair(Stats.median(totals), Stats.percentile(totals, 95)))
        report.add(
            "\(ctx.tag) burst: p95 in the burst ÷ a lone command's p95",
            Stats.percentile(totals, 95) / Stats.percentile(lone, 95), "×", budget: .atMost(2))
        child.signal(SIGTERM)
        _ = await child.waitForExit(timeout: .seconds(15))
    }

    /// Long-polls `room` until `perUser` replies from the bot arrived (or a minute passed).
    static func watchReplies(user: BenchUser, room: String, botUser: String, since: String) async throws -> Watch {
        var watch = Watch()
        var since = since
        let filter = BenchUser.filter(room: room)
        let deadline = ContinuousClock.now + .seconds(60)
        while watch.replies.count < perUser && ContinuousClock.now < deadline {
            let response = try await user.matrix.sync(filter: filter, since: since, timeout: .seconds(10))
            let seen = Conversation.wallMilliseconds()
            since = response.nextBatch
            for event in RoomID(room).flatMap({ response.rooms.join[$0] })?.timeline ?? [] {
                if event.sender == user.userID, let id = event.eventID { watch.originTs[id] = event.originServerTs }
                if event.sender == botUser,
                    let to = event.content["m.relates_to"]?["m.in_reply_to"]?["event_id"]?.string
                {
                    watch.replies.append((to, seen))
                }
            }
        }
        return watch
    }
}
