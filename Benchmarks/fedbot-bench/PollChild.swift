import FedBotModels
import FedBotRuntime
import Foundation
import MatrixClient
import SynapseAdmin

#if canImport(Glibc)
    import Glibc
#endif

/// What `fedbot-bench poll-child` prints: memory around one first poll of a fresh watcher, in a process of
/// its own (so nothing else in the bench pollutes VmHWM or the heap).
struct PollChildResult: Codable, Sendable {
    var milliseconds: Double
    var failing: Int
    var anonBeforeKB: Int
    var anonAfterKB: Int
    /// After `trimHeap()`: what the allocator kept but nothing uses.
    var anonTrimmedKB: Int
    var rssBeforeKB: Int
    var hwmAfterKB: Int
}

enum PollChild {
    static func spawn(ctx: LabContext) async throws -> PollChildResult {
        let config = try ctx.rooms.writeConfig(
            name: "poll-child", storage: ctx.rooms.storePath("poll-child"), notices: true)
        let child = try ChildProcess(selfExecutable, ["poll-child", "--config", config])
        let status = await child.waitForExit(timeout: .seconds(300))
        guard status == 0, let line = child.stdout.split(separator: "\n").last else {
            throw BenchError("poll-child exited \(status.map(String.init) ?? "timeout"): \(child.stderr)")
        }
        return try JSONDecoder().decode(PollChildResult.self, from: Data(line.utf8))
    }

    static func main(arguments: [String]) async -> Int32 {
        guard arguments.count == 2, arguments[0] == "--config" else {
            log("poll-child: need --config PATH")
            return 2
        }
        do {
            let directory = URL(fileURLWithPath: arguments[1]).deletingLastPathComponent().path
            let config = try ConfigLoader.load(
                explicitPath: arguments[1], environment: [:], currentDirectory: directory
            ).config
            let built = try buildServices(config: config, logger: quietLogger("poll-child"))
            guard let watcher = built.watcher else { throw BenchError("no watcher in \(arguments[1])") }
            try await built.joinRoomsForPolling()
            _ = try await built.clients.admin.serverVersion()  // connection pool and event loops up
            trimHeap()
            MemoryStatus.resetPeak()
            let before = MemoryStatus.read()
            let started = ContinuousClock.now
            let report = try await watcher.poll()
            let elapsed = ContinuousClock.now - started
            let after = MemoryStatus.read()
            trimHeap()
            let trimmed = MemoryStatus.read()
            let result = PollChildResult(
                milliseconds: elapsed.milliseconds, failing: report.failing, anonBeforeKB: before?.anon ?? 0,
                anonAfterKB: after?.anon ?? 0, anonTrimmedKB: trimmed?.anon ?? 0, rssBeforeKB: before?.rss ?? 0,
                hwmAfterKB: after?.hwm ?? 0)
            print(String(decoding: try JSONEncoder().encode(result), as: UTF8.self))
            return 0
        } catch {
            log("poll-child: \(error)")
            return 1
        }
    }
}

/// glibc's `malloc_trim(0)` (not in the Glibc module map): returns free heap pages to the system.
func trimHeap() {
    typealias Trim = @convention(c) (Int) -> Int32
    guard let symbol = dlsym(nil, "malloc_trim") else { return }
    _ = unsafeBitCast(symbol, to: Trim.self)(0)
}
