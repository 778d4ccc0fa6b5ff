import FedBotLab
import FedBotModels
import Foundation
import Logging
import MatrixClient
import SynapseAdmin

// fedbot-bench: numbers against the real Synapse lab on loopback. `scripts/bench` builds it in release
// mode and runs it; see BENCHMARKS.md.

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "poll-child" {
    exit(await PollChild.main(arguments: Array(arguments.dropFirst())))
}
if arguments.first == "walk-child" {
    exit(await WalkChild.main(arguments: Array(arguments.dropFirst())))
}

let options: BenchOptions
do {
    options = try BenchOptions.parse(arguments)
} catch {
    log("\(error)")
    exit(2)
}

let report = Report()
let benchStarted = ContinuousClock.now

/// The 1-minute load average: the machine is shared, and other work on it moves every timing.
func loadAverage() -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
    return text.split(separator: " ").first.flatMap { Double($0) }
}
let loadAtStart = loadAverage()
log(
    "fedbot-bench\(options.quick ? " --quick" : ""): phases \(options.phases.map(\.rawValue).sorted().joined(separator: ",")); "
        + "backends \(options.databases.map(\.rawValue).joined(separator: ","))")

if options.phases.contains(.pure) {
    PureBench.run(report: report, quick: options.quick)
    do { try await StoreBench.run(report: report, quick: options.quick) } catch { report.error("store", error) }
}
if options.phases.contains(.retention) {
    do { try await RetentionBench.run(report: report, quick: options.quick) } catch { report.error("retention", error) }
}
if options.phases.contains(.check) {
    do { try await CheckBench.run(report: report, quick: options.quick) } catch { report.error("check", error) }
}
if options.phases.contains(.process) {
    ProcessBench.binarySizes(report: report, options: options)
}

/// Makes healthy synthetic rows fail (a three-day-old failure) until `share` of the `total` destinations fail,
/// or (`share` nil) makes the rows it changed healthy again. Only the destination list reads these rows (it reads
/// the table directly) and none was looked up before. A `retry_interval` of 600,001 ms marks them.
func makeFailing(lab: Lab, share: Double?, of total: Int) async throws {
    guard let share else {
        _ = try await lab.sql(
            "UPDATE destinations SET failure_ts = NULL, retry_last_ts = NULL, retry_interval = NULL WHERE retry_interval = 600001"
        )
        return
    }
    let rows = try await lab.sqlRows("SELECT COUNT(*) AS n FROM destinations WHERE failure_ts IS NOT NULL")
    let failing = Int((rows.first?["n"] ?? nil) ?? "") ?? 0
    let wanted = Int(Double(total) * share)
    let old = Int64(Date().timeIntervalSince1970 * 1000) - 3 * 86_400_000
    guard wanted > failing else { return }
    _ = try await lab.sql(
        """
        UPDATE destinations SET failure_ts = \(old), retry_last_ts = \(old), retry_interval = 600001
        WHERE destination IN (SELECT destination FROM destinations WHERE failure_ts IS NULL
        AND destination LIKE 'grow%' ORDER BY destination LIMIT \(wanted - failing))
        """)
    log("  \(wanted) of \(total) destinations failing now (were \(failing))")
}

/// One lab per backend; it grows from 1k to 10k to 100k synthetic destinations (1% failing each step).
func runBackend(_ db: LabDatabase) async throws {
    let startedAt = ContinuousClock.now
    let firstSize = options.pollSizes[0]
    log("== [\(db.rawValue)] starting the lab with \(firstSize) synthetic destinations")
    let lab = try await Lab.start(LabOptions(db: db, synthetic: firstSize, syntheticFailing: firstSize / 100))
    var rooms: BotRooms?
    var latency: LatencyBench?
    do {
        let botRooms = try await BotRooms.make(lab: lab)
        rooms = botRooms
        let version =
            (try? await SynapseAdminClient(
                connection: .init(
                    baseURL: lab.info.a.clientURL, accessToken: lab.info.users.admin.accessToken,
                    transport: MeteredTransport(), logger: quietLogger("version"))
            ).serverVersion()) ?? "?"
        log("  lab up in \(Format.number((ContinuousClock.now - startedAt).seconds)) s; Synapse \(version)")
        var synthetic = firstSize
        for size in options.pollSizes {
            if size > synthetic {
                let add = size - synthetic
                let started = ContinuousClock.now
                try await lab.insertDestinations(
                    count: add, failing: add / 100, prefix: "grow\(size / 1000)k-", rooms: 1)
                synthetic = size
                log(
                    "== [\(db.rawValue)] grew to \(size) synthetic destinations in \(Format.number((ContinuousClock.now - started).seconds)) s"
                )
            }
            let ctx = LabContext(lab: lab, db: db, rooms: botRooms, options: options, report: report, size: size + 1)
            if options.phases.contains(.poll) {
                do { try await PollBench.run(ctx) } catch { report.error("\(ctx.tag) poll \(ctx.sizeText)", error) }
            }
            if options.phases.contains(.poll), size == options.pollSizes.last {
                // The same table with 30% failing: long-dead servers, failing for three days.
                do {
                    try await makeFailing(lab: lab, share: 0.3, of: size + 1)
                    var dead = ctx
                    dead.note = " 30%"
                    try await PollBench.run(dead)
                    try await makeFailing(lab: lab, share: nil, of: size + 1)
                } catch {
                    report.error("\(ctx.tag) poll \(ctx.sizeText) 30%", error)
                }
            }
            if options.phases.contains(.latency) {
                do {
                    if latency == nil, size >= (options.listSizes.first ?? 0) {
                        log("== \(ctx.tag) bot latency (in-process bot, alice in an admin room)")
                        latency = try await LatencyBench.start(rooms: botRooms)
                        let count = options.quick ? 20 : 200
                        try await latency?.measure(
                            "!fed show B", command: "!fed show \(lab.info.b.serverName)", count: count, tag: ctx.tag,
                            report: report)
                    }
                    if let latency, options.listSizes.contains(size) {
                        try await latency.measure(
                            "!fed list (\(ctx.sizeText) dests)", command: "!fed list", count: options.quick ? 5 : 20,
                            tag: ctx.tag, report: report)
                    }
                    if let latency, size == options.pollSizes.last {
                        let roomCount = options.quick ? 50 : 500
                        let took = try await giveBSharedRooms(lab: lab, count: roomCount)
                        log("  \(roomCount) shared rooms for B made in \(Format.number(took.seconds)) s")
                        try await latency.measure(
                            "!fed rooms B (\(roomCount) rooms, 20 shown)",
                            command: "!fed rooms \(lab.info.b.serverName)",
                            count: options.quick ? 5 : 20, tag: ctx.tag, report: report)
                    }
                } catch {
                    report.error("\(ctx.tag) latency at \(ctx.sizeText)", error)
                }
            }
        }
        await latency?.stop()
        latency = nil
        let ctx = LabContext(lab: lab, db: db, rooms: botRooms, options: options, report: report, size: synthetic + 1)
        if options.phases.contains(.admin) {
            do { try await AdminBench.run(ctx) } catch { report.error("\(ctx.tag) admin client", error) }
        }
        if options.phases.contains(.process) {
            do { try await ProcessBench.run(ctx) } catch { report.error("\(ctx.tag) process", error) }
        }
        if options.phases.contains(.compare) {
            do { try await CompareBench.run(ctx) } catch { report.error("\(ctx.tag) side by side", error) }
        }
        if options.phases.contains(.burst) {
            do { try await BurstBench.run(ctx) } catch { report.error("\(ctx.tag) burst", error) }
        }
    } catch {
        await latency?.stop()
        rooms?.cleanUp()
        try? await lab.shutdown()
        throw error
    }
    rooms?.cleanUp()
    try await lab.shutdown()
    log(
        "== [\(db.rawValue)] done in \(Format.number((ContinuousClock.now - startedAt).seconds)) s; lab: \(await lab.history.joined(separator: ", "))"
    )
}

if options.needsLab {
    for db in options.databases {
        do {
            try await runBackend(db)
        } catch {
            report.error("[\(db.rawValue)] lab", error)
        }
    }
}

report.add(
    "machine: 1-min load average at start / end (\(ProcessInfo.processInfo.activeProcessorCount) CPUs)",
    loadAtStart, "", shown: Format.pair(loadAtStart ?? .nan, loadAverage() ?? .nan))
report.add("bench wall time", (ContinuousClock.now - benchStarted).seconds, "s")
log("fedbot-bench finished in \(Format.number((ContinuousClock.now - benchStarted).seconds)) s")
do {
    try FileManager.default.createDirectory(atPath: options.outputDirectory, withIntermediateDirectories: true)
    try report.json().write(to: URL(fileURLWithPath: options.outputDirectory + "/results.json"))
    try Data((report.markdown() + "\n").utf8).write(to: URL(fileURLWithPath: options.outputDirectory + "/results.md"))
} catch {
    log("cannot write results to \(options.outputDirectory): \(error)")
}
print(report.table())
exit(report.all.contains { $0.status == "error" } ? 1 : 0)
