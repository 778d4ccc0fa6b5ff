import Foundation

/// Runs `scripts/lab install` at most once per process and remembers the outcome.
actor LabInstaller {
    static let shared = LabInstaller()
    private var task: Task<Void, any Error>?

    func ensure() async throws {
        let current: Task<Void, any Error>
        if let task {
            current = task
        } else {
            current = Task {
                do {
                    _ = try await Lab.runCommand(["install"], timeout: .seconds(1800))
                } catch let LabError.commandFailed(_, status, message, stderr) {
                    throw LabError.unavailable(
                        "scripts/lab install failed (exit \(status)): \(message)\n\(stderr)\n"
                            + "It needs python3 with the venv module (Debian: apt-get install python3-venv) "
                            + "and access to PyPI.")
                }
            }
            task = current
        }
        try await current.value
    }
}

/// At most `limit` labs at once in this process (two Synapse pairs already fill two cores).
actor LabLimiter {
    static let shared = LabLimiter(
        limit: Int(ProcessInfo.processInfo.environment["FEDBOT_LAB_MAX_PARALLEL"] ?? "") ?? 2)

    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        available = max(1, limit)
    }

    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
