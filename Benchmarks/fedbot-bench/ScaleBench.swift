import FedBotCore
import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import SynapseAdmin

/// What a phase needs about the lab it runs on.
struct LabContext: Sendable {
    let lab: Lab
    let db: LabDatabase
    let rooms: BotRooms
    let options: BenchOptions
    let report: Report
    /// Destinations in A's table now (synthetic ones plus B).
    let size: Int
    /// Appended to the poll phase's labels (" 30%" when 30% of the destinations fail).
    var note = ""

    var tag: String { db == .sqlite ? "[sqlite]" : "[pg]" }
    var sizeText: String { Self.sizeText(size) }

    static func sizeText(_ size: Int) -> String {
        size >= 1000 ? "\(size / 1000)k" : "\(size)"
    }

    /// An admin client for A over `transport`.
    func adminClient(_ transport: any HTTPTransport) -> SynapseAdminClient {
        SynapseAdminClient(
            connection: HomeserverConnection(
                baseURL: lab.info.a.clientURL, accessToken: lab.info.users.admin.accessToken, transport: transport,
                logger: quietLogger("admin")))
    }
}

/// A full walk, in-process.
func walkAll(_ admin: SynapseAdminClient, pageSize: Int) async throws -> Int {
    var rows = 0
    for try await _ in admin.allDestinations(pageSize: pageSize) { rows += 1 }
    return rows
}

/// Section 2: the watcher's poll against a full walk, measured in the same run.
enum PollBench {
    static func run(_ ctx: LabContext) async throws {
        let tag = "\(ctx.tag) poll \(ctx.sizeText)\(ctx.note)"
        log("== \(ctx.tag) watcher poll at \(ctx.size) destinations\(ctx.note)")
        let quick = ctx.options.quick
        let firstRuns = quick ? 2 : 5
        let runs = quick ? 3 : 7
        let transport = MeteredTransport()

        // First poll of a fresh watcher (new store, new admin client): learns the NULL placement, takes the
        // baseline, looks up shared rooms of up to 50 new failures.
        var first: [(wall: Double, requests: Int, bytes: Int)] = []
        var watcher: WatcherService?
        for _ in 0..<firstRuns {
            let store = ctx.rooms.storePath("poll")
            let config = try ctx.rooms.loadConfig(
                ctx.rooms.writeConfig(name: "poll", storage: store, notices: true))
            let built = try buildServices(config: config, logger: quietLogger("poll"), transport: transport)
            guard let service = built.watcher else { throw BenchError("no watcher although notices.rooms is set") }
            try await built.joinRoomsForPolling()
            let started = ContinuousClock.now
            let cost = try await transport.measure { try await service.poll() }
            first.append(((ContinuousClock.now - started).milliseconds, cost.requests, cost.bytes))
            watcher = service
        }
        guard let watcher else { return }

        // Steady state (2nd+ poll of the same watcher), interleaved with full walks of 5,000 per page and with
        // the full failing scan that every steady poll made before the steady read (what main's poll cost:
        // nothing absent to re-check, nothing new to look up).
        let admin = ctx.adminClient(transport)
        _ = try await admin.failingDestinations()  // learns the placement and the count, as a watcher had
        var steady: [(wall: Double, requests: Int, bytes: Int, failing: Int)] = []
        var scans: [(wall: Double, requests: Int, bytes: Int)] = []
        var walks: [(wall: Double, requests: Int, bytes: Int, rows: Int)] = []
        for _ in 0..<runs {
            var started = ContinuousClock.now
            let cost = try await transport.measure { try await watcher.poll() }
            steady.append(((ContinuousClock.now - started).milliseconds, cost.requests, cost.bytes, cost.value.failing))
            if let reason = watcher.lastReport?.fullScanReason { log("  steady poll read everything: \(reason)") }
            started = ContinuousClock.now
            let scan = try await transport.measure { try await admin.failingDestinations() }
            scans.append(((ContinuousClock.now - started).milliseconds, scan.requests, scan.bytes))
            started = ContinuousClock.now
            let walk = try await transport.measure { try await walkAll(admin, pageSize: 5000) }
            walks.append(((ContinuousClock.now - started).milliseconds, walk.requests, walk.bytes, walk.value))
        }
        let report = ctx.report
        // Failures added between two polls (stamped now, as Synapse stamps a new failure): all found?
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let before = watcher.lastReport?.failing ?? 0
        let names = (0..<5).map {
            "bench-new-\(ctx.db.rawValue)-\(ctx.size)\(ctx.note.isEmpty ? "" : "-dead")-\($0).example"
        }
        let values = names.enumerated().map { "('\($1)', \(now + Int64($0)), 600000, \(now + Int64($0)), NULL)" }
        _ = try await ctx.lab.sql(
            "INSERT INTO destinations (destination, retry_last_ts, retry_interval, failure_ts, "
                + "last_successful_stream_ordering) VALUES \(values.joined(separator: ", "))")
        let added = try await transport.measure { try await watcher.poll() }
        report.add(
            "\(tag) 5 new failures: found / requests / KB", Double(added.value.failing - before), "found",
            shown:
                "\(added.value.failing - before) / \(added.requests) / \(Format.number(Double(added.bytes) / 1024))")
        _ = try await ctx.lab.sql(
            "DELETE FROM destinations WHERE destination IN (\(names.map { "'\($0)'" }.joined(separator: ", ")))")
        let firstWall = Stats.median(first.map(\.wall))
        let steadyWall = Stats.median(steady.map(\.wall))
        let walkWall = Stats.median(walks.map(\.wall))
        let steadyBytes = Stats.median(steady.map { Double($0.bytes) })
        let walkBytes = Stats.median(walks.map { Double($0.bytes) })
        report.add("\(tag) first: wall", firstWall, "ms")
        report.add(
            "\(tag) first: requests / KB", Double(first.last?.requests ?? 0), "req / KB",
            shown: Format.pair(Double(first.last?.requests ?? 0), Stats.median(first.map { Double($0.bytes) }) / 1024))
        report.add("\(tag) steady: wall", steadyWall, "ms")
        report.add(
            "\(tag) steady: requests / KB (\(steady.last?.failing ?? 0) failing)", Double(steady.last?.requests ?? 0),
            "req / KB", shown: Format.pair(Double(steady.last?.requests ?? 0), steadyBytes / 1024))
        report.add(
            "\(tag) steady before (full failing scan): wall", Stats.median(scans.map(\.wall)), "ms")
        report.add(
            "\(tag) steady before (full failing scan): requests / KB", Double(scans.last?.requests ?? 0), "req / KB",
            shown: Format.pair(Double(scans.last?.requests ?? 0), Stats.median(scans.map { Double($0.bytes) }) / 1024))
        report.add("\(ctx.tag) walk \(ctx.sizeText) (5000/page): wall", walkWall, "ms")
        report.add(
            "\(ctx.tag) walk \(ctx.sizeText) (5000/page): requests / KB", Double(walks.last?.requests ?? 0),
            "req / KB", shown: Format.pair(Double(walks.last?.requests ?? 0), walkBytes / 1024))
        // Memory of one first poll, in a process of its own.
        let child = try await PollChild.spawn(ctx: ctx)
        report.add(
            "\(tag) first, own process: peak RSS increase / VmHWM", Double(child.hwmAfterKB - child.rssBeforeKB) / 1024,
            "MB",
            shown: Format.pair(Double(child.hwmAfterKB - child.rssBeforeKB) / 1024, Double(child.hwmAfterKB) / 1024))
        report.add(
            "\(tag) first, own process: heap (RssAnon) before / after / after malloc_trim",
            Double(child.anonAfterKB) / 1024,
            "MB",
            shown:
                "\(Format.number(Double(child.anonBeforeKB) / 1024)) / \(Format.number(Double(child.anonAfterKB) / 1024)) / \(Format.number(Double(child.anonTrimmedKB) / 1024))"
        )
        let atScale = ctx.size >= 100_000
        report.add(
            "\(tag): bytes ratio walk/poll", walkBytes / max(1, steadyBytes), "×", budget: atScale ? .atLeast(20) : nil)
        report.add(
            "\(tag): wall ratio walk/poll", walkWall / max(0.001, steadyWall), "×", budget: atScale ? .atLeast(5) : nil)
    }
}

/// Section 1: the default `fed list` view in-process and as the CLI, and full walks in a child process.
enum AdminBench {
    static func run(_ ctx: LabContext) async throws {
        let tag = "\(ctx.tag) list \(ctx.sizeText)"
        log("== \(ctx.tag) admin client at \(ctx.size) destinations")
        let quick = ctx.options.quick
        let runs = quick ? 3 : 7
        let report = ctx.report
        let transport = MeteredTransport()

        // In-process, a fresh client each time (like the CLI: the NULL placement probe included).
        var fresh: [(wall: Double, requests: Int, bytes: Int)] = []
        var reply = ""
        for _ in 0..<runs {
            let admin = ctx.adminClient(transport)
            let executor = CommandExecutor(
                admin: admin, matrix: nil, prefix: "!fed", watcher: nil, logger: quietLogger("executor"))
            let started = ContinuousClock.now
            let cost = await transport.measure { await executor.run(words: ["list"]) }
            fresh.append(((ContinuousClock.now - started).milliseconds, cost.requests, cost.bytes))
            guard cost.value.outcome == .ok else { throw BenchError("list failed: \(cost.value.reply.plain)") }
            reply = cost.value.reply.plain
        }
        // In-process, one client (the bot's case: the placement is known after the first).
        let admin = ctx.adminClient(transport)
        let executor = CommandExecutor(
            admin: admin, matrix: nil, prefix: "!fed", watcher: nil, logger: quietLogger("executor"))
        _ = await executor.run(words: ["list"])
        var warm: [(wall: Double, requests: Int, bytes: Int)] = []
        for _ in 0..<runs {
            let started = ContinuousClock.now
            let cost = await transport.measure { await executor.run(words: ["list"]) }
            warm.append(((ContinuousClock.now - started).milliseconds, cost.requests, cost.bytes))
        }
        log("  reply: \(reply.split(separator: "\n").first ?? "")")
        report.add("\(tag) in-process (fresh client): wall", Stats.median(fresh.map(\.wall)), "ms")
        let listBytes = Stats.median(fresh.map { Double($0.bytes) })
        report.add(
            "\(tag) in-process (fresh client): requests / KB", Double(fresh.last?.requests ?? 0), "req / KB",
            shown: Format.pair(Double(fresh.last?.requests ?? 0), listBytes / 1024))
        report.add("\(tag) in-process (warm client): wall", Stats.median(warm.map(\.wall)), "ms")
        report.add(
            "\(tag) in-process (warm client): requests / KB", Double(warm.last?.requests ?? 0), "req / KB",
            shown: Format.pair(Double(warm.last?.requests ?? 0), Stats.median(warm.map { Double($0.bytes) }) / 1024))

        // The real CLI process.
        let fedbot = ctx.options.fedbotBinary
        if FileManager.default.isExecutableFile(atPath: fedbot) {
            let config = try ctx.rooms.writeConfig(name: "cli", storage: ctx.rooms.storePath("cli"))
            var walls: [Double] = []
            for _ in 0..<max(5, runs) {
                let child = try ChildProcess(
                    fedbot, ["fed", "--config", config, "list"], directory: ctx.rooms.directory)
                let status = await child.waitForExit(timeout: .seconds(120))
                guard status == 0, let wall = child.wallTime else {
                    throw BenchError("fedbot fed list exited \(status.map(String.init) ?? "timeout"): \(child.stderr)")
                }
                walls.append(wall.milliseconds)
            }
            report.add("\(tag) CLI `fedbot fed list` (process): wall", Stats.median(walls), "ms")
        } else {
            report.add("\(tag) CLI `fedbot fed list`", nil, "", note: "no \(fedbot): build it in release first")
        }

        // Full walks in a child process (clean VmHWM), per page size.
        var walkBytes5000 = 0.0
        for pageSize in [1000, 5000, 10000] {
            var results: [WalkChildResult] = []
            for _ in 0..<(quick ? 1 : 3) {
                results.append(try await WalkChild.spawn(ctx: ctx, pageSize: pageSize))
            }
            let rate = Stats.median(results.map { Double($0.rows) / max($0.seconds, 1e-9) })
            let peak = Stats.median(results.map { Double($0.hwmAfterKB) / 1024 })
            let increase = Stats.median(results.map { Double($0.hwmAfterKB - $0.rssBeforeKB) / 1024 })
            let bytes = Stats.median(results.map { Double($0.bytes) })
            if pageSize == 5000 { walkBytes5000 = bytes }
            let name = "\(ctx.tag) walk \(ctx.sizeText) child (\(pageSize)/page)"
            report.add("\(name): rows/s", rate, "rows/s")
            report.add(
                "\(name): wall / requests / MB", Stats.median(results.map(\.seconds)) * 1000, "ms / req / MB",
                shown:
                    "\(Format.number(Stats.median(results.map(\.seconds)) * 1000)) / \(results.last?.requests ?? 0) / \(Format.number(bytes / 1_048_576))"
            )
            report.add("\(name): peak RSS increase", increase, "MB")
            report.add(
                "\(name): peak RSS (VmHWM)", peak, "MB", budget: ctx.size >= 100_000 ? .atMost(60) : nil)
        }
        if walkBytes5000 > 0 {
            report.add(
                "\(tag): bytes ratio walk/list", walkBytes5000 / max(1, listBytes), "×",
                budget: ctx.size >= 100_000 ? .atLeast(20) : nil)
        }
    }
}

/// What `fedbot-bench walk-child` prints.
struct WalkChildResult: Codable, Sendable {
    var rows: Int
    var requests: Int
    var bytes: Int
    var seconds: Double
    var rssBeforeKB: Int
    var hwmAfterKB: Int
    var peakReset: Bool
}

enum WalkChild {
    static func spawn(ctx: LabContext, pageSize: Int) async throws -> WalkChildResult {
        let child = try ChildProcess(
            selfExecutable,
            [
                "walk-child", "--url", ctx.lab.info.a.clientURL, "--token-file", ctx.rooms.directory + "/token",
                "--page-size", String(pageSize),
            ])
        let status = await child.waitForExit(timeout: .seconds(300))
        guard status == 0, let line = child.stdout.split(separator: "\n").last else {
            throw BenchError("walk-child exited \(status.map(String.init) ?? "timeout"): \(child.stderr)")
        }
        return try JSONDecoder().decode(WalkChildResult.self, from: Data(line.utf8))
    }

    /// The child's side: warm up the HTTP client, reset VmHWM, walk, print one JSON line.
    static func main(arguments: [String]) async -> Int32 {
        var url: String?
        var tokenFile: String?
        var pageSize = 5000
        var index = 0
        while index < arguments.count {
            let value = index + 1 < arguments.count ? arguments[index + 1] : ""
            switch arguments[index] {
            case "--url": url = value
            case "--token-file": tokenFile = value
            case "--page-size": pageSize = Int(value) ?? pageSize
            default: break
            }
            index += 2
        }
        guard let url, let tokenFile,
            let token = try? String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
        else {
            log("walk-child: need --url and --token-file")
            return 2
        }
        let transport = MeteredTransport()
        let admin = SynapseAdminClient(
            connection: HomeserverConnection(
                baseURL: url, accessToken: token, transport: transport, logger: quietLogger("walk")))
        do {
            _ = try await admin.serverVersion()  // connection pool and event loops up
            let reset = MemoryStatus.resetPeak()
            let before = MemoryStatus.read()
            transport.resetCounters()
            let started = ContinuousClock.now
            let rows = try await walkAll(admin, pageSize: pageSize)
            let seconds = (ContinuousClock.now - started).seconds
            let after = MemoryStatus.read()
            let counters = transport.counters
            let result = WalkChildResult(
                rows: rows, requests: counters.requests, bytes: counters.bytes, seconds: seconds,
                rssBeforeKB: before?.rss ?? 0, hwmAfterKB: after?.hwm ?? 0, peakReset: reset)
            let data = try JSONEncoder().encode(result)
            print(String(decoding: data, as: UTF8.self))
            return 0
        } catch {
            log("walk-child: \(error)")
            return 1
        }
    }
}
