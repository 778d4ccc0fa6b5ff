import FedBotLab
import Foundation

/// One lab shared by every case of the fault tier, and a limit on how many cases run at once
/// (`FEDBOT_FAULT_PARALLEL`, default 4): each case has its own proxy, room and bot.
actor FaultTier {
    static let shared = FaultTier()
    static let parallel = ProcessInfo.processInfo.environment["FEDBOT_FAULT_PARALLEL"].flatMap(Int.init) ?? 4

    private var starting: Task<Lab, any Error>?
    private var running = 0
    private var finished = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` with the shared lab once a slot is free; the lab is shut down after the last case.
    func run(_ body: @Sendable (Lab) async throws -> Void) async throws {
        await acquire()
        defer { release() }
        let lab = try await lab()
        try await body(lab)
    }

    private func lab() async throws -> Lab {
        if let starting { return try await starting.value }
        // One synthetic destination failing from the start: a bot with notices has an open incident whose
        // notice a garbage poll must not mark recovered (FaultAdminTests).
        let task = Task { try await Lab.start(LabOptions(synthetic: 1, syntheticFailing: 1)) }
        starting = task
        return try await task.value
    }

    private func acquire() async {
        if running < Self.parallel {
            running += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        finished += 1
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
        if finished == FaultCase.all.count + FaultCase.admin.count, let starting {
            Task { try? await starting.value.shutdown() }
        }
    }
}
