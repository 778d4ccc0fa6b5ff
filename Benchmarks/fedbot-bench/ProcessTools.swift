import Foundation
import Synchronization

/// Memory figures from `/proc/<pid>/status`, in KiB.
struct MemoryStatus: Sendable {
    var rss: Int
    var hwm: Int
    /// RssAnon (heap, stacks) and RssFile (code and data of the binary and libraries).
    var anon: Int
    var file: Int

    static func read(pid: String = "self") -> MemoryStatus? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Int? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return line.split(separator: " ").compactMap { Int($0) }.first
        }
        guard let rss = field("VmRSS"), let hwm = field("VmHWM") else { return nil }
        return MemoryStatus(rss: rss, hwm: hwm, anon: field("RssAnon") ?? 0, file: field("RssFile") ?? 0)
    }

    /// Resident KiB per mapping (file name, or [heap], [stack], [anon]…), largest first.
    static func mappings(pid: String) -> [(name: String, kb: Int)] {
        // /proc files report size 0: read them to the end rather than by their size.
        guard let handle = FileHandle(forReadingAtPath: "/proc/\(pid)/smaps"),
            let data = try? handle.readToEnd()
        else { return [] }
        try? handle.close()
        let text = String(decoding: data, as: UTF8.self)
        var sizes: [String: Int] = [:]
        var current = "[anon]"
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-") && first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                current = fields.count >= 6 ? fields[5...].joined(separator: " ") : "[anon]"
                if current.hasPrefix("/") { current = String(current.split(separator: "/").last ?? "") }
            } else if first == "Rss:", fields.count >= 2, let kb = Int(fields[1]) {
                sizes[current, default: 0] += kb
            }
        }
        return sizes.map { ($0.key, $0.value) }.sorted { $0.kb > $1.kb }
    }

    /// Resets this process's VmHWM to its current RSS (Linux ≥ 4.0: `echo 5 > /proc/self/clear_refs`).
    @discardableResult
    static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data("5".utf8))
            return true
        } catch {
            return false
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A child process with its output collected (stdout and stderr separately).
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private let collected = Mutex<(out: Data, err: Data)>((Data(), Data()))
    private let exit = Mutex<ContinuousClock.Instant?>(nil)
    /// When `run` was called.
    private(set) var spawnedAt = ContinuousClock.now

    init(_ executable: String, _ arguments: [String], directory: String? = nil, environment: [String: String] = [:])
        throws
    {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        stdoutPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if !data.isEmpty { self?.collected.withLock { $0.out.append(data) } }
        }
        stderrPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if !data.isEmpty { self?.collected.withLock { $0.err.append(data) } }
        }
        process.terminationHandler = { [weak self] _ in
            let now = ContinuousClock.now
            self?.exit.withLock { $0 = now }
        }
        spawnedAt = ContinuousClock.now
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    /// When the process was seen exiting (from the termination handler).
    var exitedAt: ContinuousClock.Instant? { exit.withLock { $0 } }
    /// Spawn to exit.
    var wallTime: Duration? { exitedAt.map { $0 - spawnedAt } }
    var stdout: String { collected.withLock { String(decoding: $0.out, as: UTF8.self) } }
    var stderr: String { collected.withLock { String(decoding: $0.err, as: UTF8.self) } }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits (bounded) for the exit; nil on timeout (the process is then killed).
    func waitForExit(timeout: Duration = .seconds(60)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            drain()
            return nil
        }
        process.waitUntilExit()
        drain()
        // The termination handler runs on another thread, soon after the exit.
        let noticed = ContinuousClock.now
        while exitedAt == nil && ContinuousClock.now - noticed < .milliseconds(500) {
            try? await Task.sleep(for: .milliseconds(1))
        }
        if exitedAt == nil { exit.withLock { $0 = noticed } }
        return process.terminationStatus
    }

    /// Reads what is left in the pipes once the process has exited.
    private func drain() {
        stdoutPipe.fileHandleForReading.readabilityHandler = nil
        stderrPipe.fileHandleForReading.readabilityHandler = nil
        let out = (try? stdoutPipe.fileHandleForReading.readToEnd()) ?? nil
        let err = (try? stderrPipe.fileHandleForReading.readToEnd()) ?? nil
        collected.withLock {
            if let out { $0.out.append(out) }
            if let err { $0.err.append(err) }
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// This executable, for child processes (`walk-child`).
var selfExecutable: String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}
