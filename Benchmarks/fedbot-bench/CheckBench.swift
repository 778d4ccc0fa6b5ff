import FedBotCore
import FedBotLab
import FedBotModels
import FederationCheck
import Foundation

/// `check SERVER` against the lab's small internet: a healthy server, a port that accepts and never answers
/// (must end at the step timeout), and 50 failing servers at once (total time, peak concurrency, memory).
enum CheckBench {
    static let timeout = Duration.seconds(2)

    static func run(report: Report, quick: Bool) async throws {
        log("== check: starting a lab with the small internet")
        let lab = try await Lab.start(LabOptions(internet: true))
        do {
            try await measure(lab: lab, report: report, quick: quick)
        } catch {
            try? await lab.shutdown()
            throw error
        }
        try await lab.shutdown()
    }

    static func measure(lab: Lab, report: Report, quick: Bool) async throws {
        guard let internet = lab.info.internet else { throw BenchError("the lab has no small internet") }
        let checker = try FederationChecker(
            options: .init(
                resolver: internet.dns, caFile: internet.caFile, timeout: timeout,
                allowRanges: internet.allowRanges.compactMap(IPRange.init)))
        func name(_ text: String) throws -> ServerName {
            guard let name = ServerName(text) else { throw BenchError("not a server name: \(text)") }
            return name
        }
        let good = try name("good.lab.test")
        _ = await checker.check(good)
        var times: [Double] = []
        for _ in 0..<(quick ? 5 : 20) {
            let started = ContinuousClock.now
            let result = await checker.check(good)
            times.append((ContinuousClock.now - started).seconds * 1000)
            if result.verdict != .green { log("  good.lab.test: \(result.says)") }
        }
        report.add("check: healthy server (good.lab.test), median of \(times.count)", Stats.median(times), "ms")

        let started = ContinuousClock.now
        let blackhole = await checker.check(try name("blackhole.lab.test"))
        report.add(
            "check: port that accepts and never answers (timeout \(timeout.seconds) s)",
            (ContinuousClock.now - started).seconds, "s", note: blackhole.says)

        let failing = try internet.cases.filter { $0.verdict == .red }.map { try name($0.server) }
        let servers = (0..<50).map { failing[$0 % failing.count] }
        let before = MemoryStatus.read()
        let batchStarted = ContinuousClock.now
        let reds = await withTaskGroup(of: Bool.self) { group in
            for server in servers { group.addTask { await checker.check(server).verdict == .red } }
            var count = 0
            for await red in group where red { count += 1 }
            return count
        }
        let after = MemoryStatus.read()
        report.add(
            "check: 50 failing servers at once (\(failing.count) kinds), total",
            (ContinuousClock.now - batchStarted).seconds,
            "s", note: "\(reds) of 50 red")
        report.add("check: peak concurrent checks", Double(await FederationChecker.peakConcurrency()), "")
        if let before, let after {
            report.add(
                "check: RSS before / after the 50, peak (VmHWM)", Double(after.hwm) / 1024, "MB",
                shown: "\(before.rss / 1024) / \(after.rss / 1024), \(after.hwm / 1024)")
        }
    }
}
