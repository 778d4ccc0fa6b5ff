import FedBotLab
import Foundation

/// fedbot and a reference bot (`scripts/refbot.py`: plain asyncio, the same requests and the same
/// exactly-once state) side by side on the same lab, each in its own admin room, `!fed show B` one at a
/// time, the bots taking turns at going first. Both run as processes against A directly. Also their CPU
/// time per command and the split on Synapse's clock (its access log): sync answered → reply PUT starts,
/// the admin API within that, and the PUT's own time.
enum CompareBench {
    static var python: String {
        let home = ProcessInfo.processInfo.environment["FEDBOT_LAB_HOME"] ?? Lab.repositoryRoot + "/.lab"
        let venv = home + "/venv/bin/python"
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/python3"
    }

    struct Contender {
        let name: String
        let child: ChildProcess
        let conversation: Conversation
        let requester: String
        var totals: [Double] = []
        var cpuBefore: Int?
    }

    static func run(_ ctx: LabContext) async throws {
        log("== \(ctx.tag) fedbot and the reference bot (scripts/refbot.py) side by side")
        let lab = ctx.lab
        let alice = ctx.rooms.alice
        let botUser = lab.info.users.admin.userID
        let refUser = try await BenchAccounts.make(lab: lab, localpart: "refbot", admin: true)
        let fedRoom = try await alice.createRoom(name: "bench side by side: fedbot", invite: [botUser])
        let refRoom = try await alice.createRoom(name: "bench side by side: reference", invite: [refUser.userID])
        let directory = ctx.rooms.directory
        let refToken = directory + "/refbot-token"
        try Data(refUser.accessToken.utf8).write(to: URL(fileURLWithPath: refToken))
        chmod(refToken, 0o600)
        let config = try ctx.rooms.writeConfig(
            name: "compare", storage: ctx.rooms.storePath("compare"), adminRooms: [fedRoom])
        let fedbot = try ChildProcess(ctx.options.fedbotBinary, ["run", "--config", config], directory: directory)
        defer { fedbot.signal(SIGKILL) }
        let refbot = try ChildProcess(
            python,
            [
                Lab.repositoryRoot + "/scripts/refbot.py", "--homeserver", lab.info.a.clientURL, "--token-file",
                refToken, "--room", refRoom, "--operator", lab.info.users.alice.userID, "--state",
                ctx.rooms.storePath("refbot"),
            ], directory: directory)
        defer { refbot.signal(SIGKILL) }
        let command = "!fed show \(lab.info.b.serverName)"
        var contenders = [
            Contender(
                name: "fedbot", child: fedbot,
                conversation: Conversation(user: alice, room: fedRoom, botUser: botUser), requester: botUser),
            Contender(
                name: "reference", child: refbot,
                conversation: Conversation(user: alice, room: refRoom, botUser: refUser.userID),
                requester: refUser.userID),
        ]
        for contender in contenders {
            try await contender.conversation.start()
            do {
                try await BenchAccounts.warmUp(contender.conversation, command, extra: 5)
            } catch {
                throw BenchError("\(contender.name): \(error); its stderr: \(contender.child.stderr.suffix(2000))")
            }
        }
        let accessLog = SynapseAccessLog(path: lab.info.dir + "/a/homeserver.log")
        for index in contenders.indices {
            contenders[index].cpuBefore = ProcessBench.cpuTicks(pid: contenders[index].child.pid)
        }
        let rounds = ctx.options.quick ? 50 : 200
        for round in 0..<rounds {
            for turn in 0..<contenders.count {
                let index = (round + turn) % contenders.count
                let trip = try await contenders[index].conversation.roundTrip(command, timeout: .seconds(60))
                contenders[index].totals.append(Double(trip.seenWallMs - trip.originTs))
            }
        }
        let requests = accessLog.requests()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let report = ctx.report
        for contender in contenders {
            let totals = contender.totals
            report.add(
                "\(ctx.tag) side by side, \(contender.name): `!fed show B` total (origin_ts → seen)",
                Stats.median(totals), "ms p50 / p95",
                shown: Format.pair(Stats.median(totals), Stats.percentile(totals, 95)))
            if let before = contender.cpuBefore, let after = ProcessBench.cpuTicks(pid: contender.child.pid) {
                report.add(
                    "\(ctx.tag) side by side, \(contender.name): CPU per command (utime+stime)",
                    Double(after - before) / ticks * 1000 / Double(totals.count), "ms")
            }
            let splits = SynapseAccessLog.split(requests, requester: contender.requester)
            guard !splits.isEmpty else {
                report.add("\(ctx.tag) side by side, \(contender.name): Synapse's clock", nil, "", note: "no log lines")
                continue
            }
            func pair(_ values: [Double]) -> String {
                Format.pair(Stats.median(values), Stats.percentile(values, 95))
            }
            let gap = splits.map(\.syncToPut)
            report.add(
                "\(ctx.tag) side by side, \(contender.name): Synapse's clock: its /sync answered → reply PUT starts",
                Stats.median(gap), "ms p50 / p95", shown: pair(gap))
            report.add(
                "\(ctx.tag) side by side, \(contender.name):   admin API within that (union; \(splits[0].adminRequests) req)",
                Stats.median(splits.map(\.admin)), "ms p50 / p95", shown: pair(splits.map(\.admin)))
            report.add(
                "\(ctx.tag) side by side, \(contender.name):   the rest (the bot's own time, hand-overs)",
                Stats.median(splits.map(\.rest)), "ms p50 / p95", shown: pair(splits.map(\.rest)))
            report.add(
                "\(ctx.tag) side by side, \(contender.name): Synapse's time for the reply PUT",
                Stats.median(splits.map(\.put)), "ms p50 / p95", shown: pair(splits.map(\.put)))
        }
        let fed = Stats.median(contenders[0].totals)
        let ref = Stats.median(contenders[1].totals)
        report.add(
            "\(ctx.tag) side by side: p50 fedbot ÷ reference (\(rounds) rounds, turns rotating)", fed / ref, "×",
            budget: .atMost(1))
        for contender in contenders {
            contender.child.signal(SIGTERM)
            _ = await contender.child.waitForExit(timeout: .seconds(15))
        }
    }
}
