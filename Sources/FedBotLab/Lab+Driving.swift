import Foundation

/// What tests do to the lab while it runs: B down, paused or back, traffic from A, A's database.
extension Lab {
    // MARK: - Driving B

    /// Stops B (SIGTERM; connections to it are then refused).
    public func stopB() async throws {
        try checkRunning()
        _ = try await run(["stop-b"], timeout: .seconds(60))
    }

    /// Starts B again with the same config and data; returns when it answers.
    public func startB() async throws {
        try checkRunning()
        let out = try await run(["start-b"], timeout: .seconds(150))
        if let pid = try Self.decode(LabBState.self, from: out, name: "start-b").pid {
            bPID = pid
        }
    }

    /// SIGSTOPs B: a hung peer (A notices after its 5 s client timeout, once it sends something).
    public func pauseB() async throws {
        try checkRunning()
        _ = try await run(["pause-b"], timeout: .seconds(30))
    }

    /// SIGCONTs a paused B.
    public func resumeB() async throws {
        try checkRunning()
        _ = try await run(["resume-b"], timeout: .seconds(30))
    }

    /// Admin sends `count` messages in the shared room, so A sends B something now (a dead B is
    /// only recorded as failing when A has something to send).
    @discardableResult
    public func traffic(count: Int = 1) async throws -> LabTraffic {
        try checkRunning()
        let out = try await run(["traffic", "--count", String(count)], timeout: .seconds(120))
        return try Self.decode(LabTraffic.self, from: out, name: "traffic")
    }

    /// Polls A's admin API until B's `failure_ts` is set. With `nudge`, sends a message every second
    /// meanwhile.
    @discardableResult
    public func waitFailing(timeout: Duration = .seconds(30), nudge: Bool = false) async throws -> LabWaitResult {
        try await wait("wait-failing", timeout: timeout, nudge: nudge)
    }

    /// Polls A's admin API until B's `failure_ts` is null. A notices a recovered B on its next send
    /// after the backoff, so pass `nudge: true` unless the test sends traffic itself.
    @discardableResult
    public func waitHealthy(timeout: Duration = .seconds(30), nudge: Bool = false) async throws -> LabWaitResult {
        try await wait("wait-healthy", timeout: timeout, nudge: nudge)
    }

    private func wait(_ command: String, timeout: Duration, nudge: Bool) async throws -> LabWaitResult {
        try checkRunning()
        var args = [command, "--timeout", String(format: "%.3f", Self.seconds(timeout))]
        if nudge { args.append("--nudge") }
        let out = try await run(args, timeout: timeout + .seconds(60))
        return try Self.decode(LabWaitResult.self, from: out, name: command)
    }

    // MARK: - A's database

    /// Inserts more synthetic destinations into A's database. Only for names Synapse never looked
    /// up (use a new prefix): rows changed under Synapse read stale through its caches.
    @discardableResult
    public func insertDestinations(
        count: Int,
        failing: Int = 0,
        prefix: String = "extra",
        rooms: Int = 1
    ) async throws -> LabSynthetic {
        try checkRunning()
        let args = [
            "insert-destinations", "--count", String(count), "--failing", String(failing),
            "--prefix", prefix, "--rooms", String(rooms),
        ]
        let out = try await run(args, timeout: .seconds(600))
        return try Self.decode(LabSynthetic.self, from: out, name: "insert-destinations")
    }

    /// Runs one SQL statement against A's database (SQLite or PostgreSQL).
    public func sql(_ statement: String) async throws -> LabSQLResult {
        try checkRunning()
        let out = try await run(["sql", statement], timeout: .seconds(300))
        return try Self.decode(LabSQLResult.self, from: out, name: "sql")
    }

    /// `sql` with every value as text (nil for NULL).
    public func sqlRows(_ statement: String) async throws -> [[String: String?]] {
        try await sql(statement).rows.map { row in row.mapValues { $0.text } }
    }
}
