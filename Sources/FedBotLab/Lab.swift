import Foundation

/// A running Synapse test lab: homeservers A and B federating on loopback (see docs/LAB.md).
///
/// ```swift
/// let lab = try await Lab.start(LabOptions(synthetic: 100, syntheticFailing: 5))
/// defer { Task { try? await lab.shutdown() } }   // or call shutdown() at the end of the test
/// try await lab.stopB()
/// try await lab.traffic()
/// try await lab.waitFailing()
/// ```
///
/// `start` runs `scripts/lab up --foreground`: that process stays this process's child as the lab's
/// supervisor (it owns Synapse A, B and PostgreSQL) and tears everything down when this process
/// exits, even on a crash. At most two labs run at once per process (`FEDBOT_LAB_MAX_PARALLEL`).
public actor Lab {
    /// What `scripts/lab up` reported: servers, users and tokens, the shared room.
    public nonisolated let info: LabInfo
    /// The lab's directory (configs, logs, databases).
    public nonisolated let directory: String

    private let supervisor: LabCommand
    var bPID: Int32
    private var isShutDown = false
    private var log: [String]

    private init(info: LabInfo, supervisor: LabCommand, startedIn: Duration) {
        self.info = info
        self.directory = info.dir
        self.supervisor = supervisor
        self.bPID = info.b.pid
        self.log = ["up \(Self.format(startedIn))"]
    }

    /// Every `scripts/lab` command this lab ran, with its wall-clock time ("stop-b 0.07s", …):
    /// print it when a test is slower than expected.
    public var history: [String] { log }

    // MARK: - Starting

    /// Installs the venv if needed (once per process), waits for a free slot, then starts a lab in a
    /// new temporary directory.
    public static func start(_ options: LabOptions = LabOptions()) async throws -> Lab {
        try await ensureInstalled()
        await LabLimiter.shared.acquire()
        do {
            let dir = FileManager.default.temporaryDirectory
                .appendingPathComponent("fedbot-lab-\(UUID().uuidString.prefix(8).lowercased())").path
            let pid = ProcessInfo.processInfo.processIdentifier
            let args = ["up", "--foreground", "--dir", dir, "--watch-pid", String(pid)] + options.upArguments
            let clock = ContinuousClock()
            let started = clock.now
            let command = try launch(args)
            // The JSON is printed, then stdout/stderr close while the process stays as supervisor.
            let closed = await command.wait(timeout: .seconds(900)) { $0.outputClosed }
            if !closed { command.terminate() }
            let info: LabInfo
            do {
                info = try decode(LabInfo.self, from: command, name: "up")
            } catch {
                if closed { command.terminate() }
                _ = await command.waitForExit(timeout: .seconds(60))
                throw error
            }
            return Lab(info: info, supervisor: command, startedIn: clock.now - started)
        } catch {
            await LabLimiter.shared.release()
            throw error
        }
    }

    /// Starts a lab, runs `body`, and shuts the lab down whether `body` throws or not.
    public static func with<T: Sendable>(
        _ options: LabOptions = LabOptions(),
        _ body: (Lab) async throws -> T
    ) async throws -> T {
        let lab = try await start(options)
        let result: T
        do {
            result = try await body(lab)
        } catch {
            try? await lab.shutdown()
            throw error
        }
        try await lab.shutdown()
        return result
    }

    /// True when `scripts/lab install` succeeds (it runs at most once per process).
    public static var isAvailable: Bool {
        get async { (try? await ensureInstalled()) != nil }
    }

    /// Runs `scripts/lab install` once per process; throws `LabError.unavailable` with its log.
    public static func ensureInstalled() async throws {
        try await LabInstaller.shared.ensure()
    }

    /// The repository root: `FEDBOT_REPO_ROOT`, else two levels above this file's folder.
    public static let repositoryRoot: String = {
        if let root = ProcessInfo.processInfo.environment["FEDBOT_REPO_ROOT"], !root.isEmpty {
            return root
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // FedBotLab
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()  // repo
            .path
    }()

    static var script: String { repositoryRoot + "/scripts/lab" }

    /// The one description of what `scripts/lab` prints (JSON Schema with examples; see LabModels.swift).
    public static var protocolSchemaPath: String { repositoryRoot + "/scripts/fedbotlab/protocol.schema.json" }

    // MARK: - Processes and shutdown

    /// Process IDs: the supervisor (`scripts/lab up --foreground`), A and the current B.
    public var currentPIDs: [String: Int32] {
        ["supervisor": supervisor.pid, "a": info.a.pid, "b": bPID]
    }

    /// Processes still running whose command line mentions this lab's directory (Linux: /proc).
    public nonisolated func leftoverProcesses() -> [Int32] {
        Self.processes(mentioning: directory)
    }

    /// Stops everything (A, B, PostgreSQL, the supervisor), waits for it, removes the directory
    /// unless `keepFiles` or `FEDBOT_LAB_KEEP=1`, and frees the slot. Idempotent.
    public func shutdown(keepFiles: Bool = false) async throws {
        if isShutDown { return }
        isShutDown = true
        let keep = keepFiles || ProcessInfo.processInfo.environment["FEDBOT_LAB_KEEP"] == "1"
        var failure: (any Error)?
        do {
            _ = try await run(["down"] + (keep ? [] : ["--purge"]), timeout: .seconds(120))
        } catch {
            failure = error
        }
        let clock = ContinuousClock()
        let started = clock.now
        if await !supervisor.waitForExit(timeout: .seconds(30)) {
            supervisor.terminate()
            _ = await supervisor.waitForExit(timeout: .seconds(30))
        }
        log.append("supervisor exit \(Self.format(clock.now - started))")
        await LabLimiter.shared.release()
        if let failure { throw failure }
    }

    func checkRunning() throws {
        if isShutDown { throw LabError.shutDown }
    }

    func run(_ args: [String], timeout: Duration) async throws -> Data {
        let clock = ContinuousClock()
        let started = clock.now
        defer { log.append("\(args.first ?? "") \(Self.format(clock.now - started))") }
        return try await Self.runCommand(args + ["--dir", directory], timeout: timeout)
    }

    static func format(_ d: Duration) -> String {
        String(format: "%.2fs", seconds(d))
    }

    // MARK: - Running scripts/lab

    static func launch(_ args: [String]) throws -> LabCommand {
        let script = Self.script
        guard FileManager.default.isExecutableFile(atPath: script) else {
            throw LabError.unavailable("\(script) is missing or not executable")
        }
        return try LabCommand(executable: script, arguments: args)
    }

    /// Runs a `scripts/lab` command to completion; its stdout on success.
    static func runCommand(_ args: [String], timeout: Duration) async throws -> Data {
        let command = try launch(args)
        let name = args.first ?? ""
        if await !command.waitForExit(timeout: timeout) {
            command.terminate()
            _ = await command.waitForExit(timeout: .seconds(10))
            throw LabError.commandFailed(
                command: name, status: -1, message: "timed out after \(timeout)",
                stderr: tailOf(command.stderrText))
        }
        let status = command.exitStatus ?? -1
        if status != 0 {
            throw LabError.commandFailed(
                command: name, status: status, message: errorMessage(command.stdout),
                stderr: tailOf(command.stderrText))
        }
        return command.stdout
    }

    static func decode<T: Decodable>(_ type: T.Type, from command: LabCommand, name: String) throws -> T {
        let out = command.stdout
        if command.exitStatus.map({ $0 != 0 }) ?? false || out.isEmpty || isErrorObject(out) {
            throw LabError.commandFailed(
                command: name, status: command.exitStatus ?? -1, message: errorMessage(out),
                stderr: tailOf(command.stderrText))
        }
        return try decode(type, from: out, name: name, stderr: command.stderrText)
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data, name: String, stderr: String = "") throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw LabError.badOutput(
                command: name, output: String(decoding: data, as: UTF8.self) + "\n(\(error))", stderr: tailOf(stderr))
        }
    }

    private static func isErrorObject(_ data: Data) -> Bool {
        (try? JSONDecoder().decode(LabFailure.self, from: data)) != nil
    }

    private static func errorMessage(_ data: Data) -> String {
        if let failure = try? JSONDecoder().decode(LabFailure.self, from: data) {
            return failure.error
        }
        let text = String(decoding: data, as: UTF8.self)
        return text.isEmpty ? "no output" : String(text.prefix(2000))
    }

    static func tailOf(_ text: String, lines: Int = 60) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    static func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }

    /// Running processes (not zombies) whose command line contains `text`.
    public static func processes(mentioning text: String) -> [Int32] {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: "/proc") else { return [] }
        var found: [Int32] = []
        for entry in entries {
            guard let pid = Int32(entry) else { continue }
            guard let cmdline = fm.contents(atPath: "/proc/\(entry)/cmdline"), !cmdline.isEmpty else { continue }
            let args = String(decoding: cmdline.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            guard args.contains(text) else { continue }
            if let stat = fm.contents(atPath: "/proc/\(entry)/stat") {
                let s = String(decoding: stat, as: UTF8.self)
                if let close = s.lastIndex(of: ")") {
                    let state = s[s.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
                    if state == "Z" || state == "X" { continue }
                }
            }
            found.append(pid)
        }
        return found.sorted()
    }
}
