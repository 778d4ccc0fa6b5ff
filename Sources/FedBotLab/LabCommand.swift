import Foundation
import Synchronization

/// One run of `scripts/lab`: a Foundation `Process` whose stdout and stderr are read to EOF on two
/// dedicated threads (never on the cooperative pool) and whose exit is recorded by its
/// termination handler. Callers poll `isDone` with `Task.sleep`, so no continuation can leak.
final class LabCommand: Sendable {
    let arguments: [String]
    let pid: Int32
    private let state: LabCommandState
    /// Kept alive (and only touched under the lock) until the child has exited.
    private let process: Mutex<Process?>

    /// Starts `executable arguments` with stdin from /dev/null.
    init(executable: String, arguments: [String]) throws {
        let state = LabCommandState()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.terminationHandler = { p in
            let status = p.terminationStatus
            state.update { $0.status = status }
        }
        try process.run()
        let outHandle = out.fileHandleForReading
        let errHandle = err.fileHandleForReading
        Thread.detachNewThread {
            let data = outHandle.readDataToEndOfFile()
            state.update { $0.stdout = data }
        }
        Thread.detachNewThread {
            let data = errHandle.readDataToEndOfFile()
            state.update { $0.stderr = data }
        }
        self.arguments = arguments
        self.pid = process.processIdentifier
        self.state = state
        self.process = Mutex(process)
    }

    /// Both output streams reached EOF.
    var outputClosed: Bool { state.read { $0.stdout != nil && $0.stderr != nil } }
    /// The exit status, once the process has exited.
    var exitStatus: Int32? { state.read { $0.status } }
    var stdout: Data { state.read { $0.stdout ?? Data() } }
    var stderr: Data { state.read { $0.stderr ?? Data() } }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }

    /// Waits (polling) until `condition` holds or `timeout` passes; true if it held.
    func wait(timeout: Duration, until condition: (LabCommand) -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while !condition(self) {
            if clock.now >= deadline { return false }
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                // Cancelled: keep waiting for the bounded command rather than leaking it.
                try? await clock.sleep(until: clock.now.advanced(by: .milliseconds(20)), tolerance: nil)
            }
        }
        return true
    }

    /// Waits for output EOF and exit.
    func waitForExit(timeout: Duration) async -> Bool {
        await wait(timeout: timeout) { $0.outputClosed && $0.exitStatus != nil }
    }

    /// Sends SIGTERM (the lab's supervisor then tears its servers down).
    func terminate() {
        process.withLock { p in
            if let p, p.isRunning { p.terminate() }
        }
    }
}

/// What the reader threads and the termination handler record.
private final class LabCommandState: Sendable {
    struct Values {
        var stdout: Data?
        var stderr: Data?
        var status: Int32?
    }

    private let values = Mutex(Values())

    func update(_ change: (inout Values) -> Void) {
        values.withLock { change(&$0) }
    }

    func read<T: Sendable>(_ get: (Values) -> T) -> T {
        values.withLock { get($0) }
    }
}
