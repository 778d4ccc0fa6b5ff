import FedBotLab
import FedBotModels
import Foundation
import MatrixClient

/// Section 5: `fedbot run` as a process: start-up to the first `/sync` request (seen by a loopback relay in
/// front of A), idle RSS, graceful shutdown; binary sizes.
enum ProcessBench {
    /// The static build `scripts/static-build` makes (someone else's script; may be older than HEAD).
    static var staticBinary: String { Lab.repositoryRoot + "/.build-static/release/fedbot" }

    static func binarySizes(report: Report, options: BenchOptions) {
        for (label, path) in [("release", options.fedbotBinary), ("static (scripts/static-build)", staticBinary)] {
            guard let size = fileSize(path) else {
                report.add("\(label) binary size", nil, "MB", note: "\(path) not built")
                continue
            }
            let stripped = strippedSize(path)
            report.add(
                "\(label) binary size / stripped", size / 1_048_576, "MB",
                shown: stripped.map { Format.pair(size / 1_048_576, $0 / 1_048_576) } ?? Format.number(size / 1_048_576)
            )
        }
    }

    static func fileSize(_ path: String) -> Double? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? NSNumber
        else { return nil }
        return size.doubleValue
    }

    /// What `strip` would leave (a copy; the binary stays as built).
    static func strippedSize(_ path: String) -> Double? {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("fedbot-bench-strip-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: copy) }
        guard let process = try? Process.run(URL(fileURLWithPath: "/usr/bin/strip"), arguments: ["-o", copy, path])
        else { return nil }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return fileSize(copy)
    }

    /// One `fedbot run`: spawn → first `/sync`, then (optionally) idle memory, then SIGTERM.
    struct RunResult {
        var startup: Duration
        /// Spawn → the long-poll `/sync` (the second request on a fresh state, after the initial sync).
        var ready: Duration?
        var memory: MemoryStatus?
        var mappings: [(name: String, kb: Int)]
        /// CPU used while idle, in % of one core.
        var idleCPU: Double?
        var shutdown: Duration
    }

    static func runOnce(
        binary: String, config: String, relay: TCPRelay, directory: String, idle: Duration?, fresh: Bool = false
    ) async throws -> RunResult {
        relay.resetMarker()
        let child = try ChildProcess(binary, ["run", "--config", config], directory: directory)
        let seen = try await waitForSync(relay, child)
        var ready: Duration? = fresh ? nil : seen - child.spawnedAt
        if fresh {
            let deadline = ContinuousClock.now + .seconds(60)
            while relay.markers.count < 2 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(1))
            }
            if relay.markers.count >= 2 { ready = relay.markers[1] - child.spawnedAt }
        }
        var memory: MemoryStatus?
        var mappings: [(name: String, kb: Int)] = []
        var idleCPU: Double?
        if let idle {
            let before = cpuTicks(pid: child.pid)
            try await Task.sleep(for: idle)
            if let before, let after = cpuTicks(pid: child.pid) {
                idleCPU = Double(after - before) / Double(sysconf(Int32(_SC_CLK_TCK))) / idle.seconds * 100
            }
            memory = MemoryStatus.read(pid: String(child.pid))
            mappings = MemoryStatus.mappings(pid: String(child.pid))
        }
        let stopAt = ContinuousClock.now
        child.signal(SIGTERM)
        let status = await child.waitForExit(timeout: .seconds(30))
        guard status == 0 else {
            throw BenchError("fedbot run exited \(status.map(String.init) ?? "timeout") after SIGTERM: \(child.stderr)")
        }
        return RunResult(
            startup: seen - child.spawnedAt, ready: ready, memory: memory, mappings: mappings, idleCPU: idleCPU,
            shutdown: (child.exitedAt ?? ContinuousClock.now) - stopAt)
    }

    static func run(_ ctx: LabContext) async throws {
        log("== \(ctx.tag) fedbot run as a process")
        let fedbot = ctx.options.fedbotBinary
        guard FileManager.default.isExecutableFile(atPath: fedbot) else {
            throw BenchError("no \(fedbot): build it with swift build -c release --product fedbot")
        }
        guard let port = URLComponents(string: ctx.lab.info.a.clientURL)?.port.flatMap({ UInt16(exactly: $0) }) else {
            throw BenchError("cannot read A's port from \(ctx.lab.info.a.clientURL)")
        }
        let relay = try TCPRelay(targetPort: port)
        defer { relay.stop() }
        let relayURL = "http://127.0.0.1:\(relay.port)"
        let quick = ctx.options.quick
        let runs = quick ? 3 : 5
        let idle: Duration = quick ? .seconds(3) : .seconds(5)
        let report = ctx.report
        let directory = ctx.rooms.directory

        // Fresh state each time (first start: whoami, join, filter, initial sync), then a restart on that
        // state (whoami, join, filter, then the long-poll).
        let admin = BenchUser(baseURL: ctx.lab.info.a.clientURL, user: ctx.lab.info.users.admin)
        let joined = try? await admin.matrix.joinedRooms().count
        var fresh: [Double] = []
        var restarts: [Double] = []
        var shutdowns: [Double] = []
        var freshReady: [Double] = []
        var idleRun: RunResult?
        for index in 0..<runs {
            let config = try ctx.rooms.writeConfig(
                name: "run", storage: ctx.rooms.storePath("run"), homeserverURL: relayURL)
            let first = try await runOnce(
                binary: fedbot, config: config, relay: relay, directory: directory, idle: nil, fresh: true)
            fresh.append(first.startup.milliseconds)
            if let ready = first.ready { freshReady.append(ready.milliseconds) }
            shutdowns.append(first.shutdown.milliseconds)
            let last = index == runs - 1
            let again = try await runOnce(
                binary: fedbot, config: config, relay: relay, directory: directory, idle: last ? idle : nil)
            restarts.append(again.startup.milliseconds)
            shutdowns.append(again.shutdown.milliseconds)
            if last { idleRun = again }
        }
        report.add(
            "\(ctx.tag) fedbot run: spawn → first /sync (fresh state)", Stats.median(fresh), "ms", budget: .atMost(300))
        report.add(
            "\(ctx.tag) fedbot run: spawn → first /sync (restart)", Stats.median(restarts), "ms", budget: .atMost(300))
        report.add(
            "\(ctx.tag) fedbot run: spawn → long-poll /sync (fresh: initial sync done; bot in \(joined.map(String.init) ?? "?") rooms)",
            Stats.median(freshReady), "ms")
        report.add(
            "\(ctx.tag) fedbot run: SIGTERM → exit 0 (idle), p50 / max", Stats.median(shutdowns), "ms",
            shown: Format.pair(Stats.median(shutdowns), shutdowns.max() ?? .nan))
        let seconds = Int(idle.seconds)
        if let idleRun {
            addMemory(report, "\(ctx.tag) fedbot run: idle RSS after \(seconds) s", idleRun)
        }

        // With the watcher on: its first poll (at this lab's size) runs at start-up. First on a fresh state (the
        // initial sync covers every room the bot is in; the first poll takes the baseline), then restarted on
        // that state (no initial sync; the poll finds the incidents it knows).
        let watcherConfig = try ctx.rooms.writeConfig(
            name: "run-watcher", storage: ctx.rooms.storePath("run-watcher"), homeserverURL: relayURL, notices: true)
        for restart in [false, true] {
            let run = try await runOnce(
                binary: fedbot, config: watcherConfig, relay: relay, directory: directory, idle: idle)
            let name =
                "\(ctx.tag) fedbot run, watcher on (\(ctx.sizeText) dests, \(restart ? "restart" : "fresh state"))"
            addMemory(report, "\(name): idle RSS after \(seconds) s", run)
            report.add("\(name): peak RSS (VmHWM)", run.memory.map { Double($0.hwm) / 1024 }, "MB")
        }

        // The real binary answering commands: its CPU time per `!fed show` (utime + stime from /proc), and
        // with FEDBOT_BENCH_PERF=1 a `perf record` of it for the profile.
        do {
            try await commandsAgainstProcess(ctx, binary: fedbot, relayURL: relayURL, relay: relay)
        } catch {
            report.error("\(ctx.tag) spawned fedbot run answering commands", error)
        }

        // The static build, when scripts/static-build has made one.
        if FileManager.default.isExecutableFile(atPath: staticBinary) {
            let config = try ctx.rooms.writeConfig(
                name: "run-static", storage: ctx.rooms.storePath("run-static"), homeserverURL: relayURL)
            var starts: [Double] = []
            var lastRun: RunResult?
            for index in 0..<(quick ? 2 : 3) {
                let result = try await runOnce(
                    binary: staticBinary, config: config, relay: relay, directory: directory,
                    idle: index == (quick ? 1 : 2) ? idle : nil)
                starts.append(result.startup.milliseconds)
                lastRun = result
            }
            report.add(
                "\(ctx.tag) static fedbot run: spawn → first /sync (restart)", Stats.median(starts), "ms",
                budget: .atMost(300))
            if let lastRun {
                addMemory(report, "\(ctx.tag) static fedbot run: idle RSS after \(seconds) s", lastRun)
            }
        }
    }

    static func commandsAgainstProcess(_ ctx: LabContext, binary: String, relayURL: String, relay: TCPRelay)
        async throws
    {
        let config = try ctx.rooms.writeConfig(
            name: "run-commands", storage: ctx.rooms.storePath("run-commands"), homeserverURL: relayURL)
        relay.resetMarker()
        // FEDBOT_BENCH_BOT_WRAPPER="valgrind --tool=callgrind --callgrind-out-file=F" runs the bot under a tool;
        // with callgrind, the counters are zeroed just before the measured commands.
        let wrapper = (ProcessInfo.processInfo.environment["FEDBOT_BENCH_BOT_WRAPPER"] ?? "")
            .split(separator: " ").map(String.init)
        let child = try ChildProcess(
            wrapper.first.map { $0.hasPrefix("/") ? $0 : "/usr/bin/" + $0 } ?? binary,
            Array(wrapper.dropFirst()) + (wrapper.isEmpty ? [] : [binary]) + ["run", "--config", config],
            directory: ctx.rooms.directory)
        defer { child.signal(SIGKILL) }
        _ = try await waitForSync(relay, child, timeout: wrapper.isEmpty ? .seconds(30) : .seconds(300))
        let conversation = Conversation(user: ctx.rooms.alice, room: ctx.rooms.adminRoom, botUser: ctx.rooms.botUser)
        try await conversation.start()
        let command = "!fed show \(ctx.lab.info.b.serverName)"
        for _ in 0..<3 { _ = try await conversation.roundTrip(command, timeout: .seconds(300)) }
        if wrapper.contains(where: { $0.contains("callgrind") }) {
            let zero = try ChildProcess("/usr/bin/callgrind_control", ["-z", String(child.pid)])
            _ = await zero.waitForExit(timeout: .seconds(60))
        }
        var perf: ChildProcess?
        let perfData = ctx.options.outputDirectory + "/perf-bot-\(ctx.db.rawValue).data"
        if ProcessInfo.processInfo.environment["FEDBOT_BENCH_PERF"] == "1" {
            try? FileManager.default.createDirectory(
                atPath: ctx.options.outputDirectory, withIntermediateDirectories: true)
            // Through python3, which clears the signal mask a Foundation-spawned child inherits (perf must
            // see the SIGINT that stops it).
            let unblock =
                "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); "
                + "signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])"
            perf = try? ChildProcess(
                "/usr/bin/python3",
                [
                    "-c", unblock, "perf", "record", "-e", "cpu-clock", "-F", "2000", "-g", "-p", String(child.pid),
                    "-o", perfData,
                ])
            try await Task.sleep(for: .milliseconds(500))
        }
        let count = ctx.options.quick ? 50 : 200
        let cpuBefore = cpuTicks(pid: child.pid)
        var totals: [Double] = []
        for _ in 0..<count {
            let trip = try await conversation.roundTrip(command, timeout: .seconds(300))
            totals.append(Double(trip.seenWallMs - trip.originTs))
        }
        let cpuAfter = cpuTicks(pid: child.pid)
        if let perf {
            perf.signal(SIGINT)
            _ = await perf.waitForExit(timeout: .seconds(60))
            log("    perf data: \(perfData) (perf report -i \(perfData) --no-children)")
        }
        child.signal(SIGTERM)
        _ = await child.waitForExit(timeout: wrapper.isEmpty ? .seconds(30) : .seconds(300))
        let report = ctx.report
        report.add(
            "\(ctx.tag) spawned fedbot run: `!fed show B` total (origin_ts → seen)", Stats.median(totals),
            "ms p50 / p95", shown: Format.pair(Stats.median(totals), Stats.percentile(totals, 95)))
        if let cpuBefore, let cpuAfter {
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            report.add(
                "\(ctx.tag) spawned fedbot run: CPU per `!fed show B` (utime+stime)",
                Double(cpuAfter - cpuBefore) / ticks * 1000 / Double(count), "ms")
        }
    }

    /// utime + stime of a process, in clock ticks.
    static func cpuTicks(pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime 14 and stime 15 (1-based over the whole line).
        guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    static func addMemory(_ report: Report, _ name: String, _ run: RunResult) {
        guard let memory = run.memory else {
            report.add(name, nil, "MB", note: "no /proc status")
            return
        }
        report.add(name, Double(memory.rss) / 1024, "MB", budget: .atMost(25))
        report.add(
            "\(name.replacingOccurrences(of: "idle RSS", with: "idle RSS anon / file-backed"))",
            Double(memory.anon) / 1024, "MB",
            shown: Format.pair(Double(memory.anon) / 1024, Double(memory.file) / 1024))
        if let cpu = run.idleCPU {
            report.add(
                "\(name.replacingOccurrences(of: "idle RSS after", with: "CPU (% of a core) in the")) after the 1st /sync",
                cpu, "%")
        }
        let top = run.mappings.prefix(8).map { "\($0.name) \(Format.number(Double($0.kb) / 1024))" }
        log("    largest resident mappings (MB): \(top.joined(separator: ", "))")
    }

    static func waitForSync(_ relay: TCPRelay, _ child: ChildProcess, timeout: Duration = .seconds(30)) async throws
        -> ContinuousClock.Instant
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let seen = relay.firstMarkerSeen { return seen }
            if !child.process.isRunning {
                throw BenchError("fedbot run exited early: \(child.stderr)")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        child.signal(SIGKILL)
        throw BenchError("fedbot run sent no /sync within \(timeout): \(child.stderr)")
    }
}
