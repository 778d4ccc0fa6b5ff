import FedBotModels
import FedBotRuntime
import Foundation
import Synchronization

/// A `BotClock` that moves only when a test says so: `sleep` waits until `advance(by:)` passes its
/// deadline, so backoff, rate-limit waits and follow-ups are tested in milliseconds of real time.
final class ManualClock: BotClock {
    private struct Sleeper {
        var deadline: Timestamp
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Timestamp
        var sleepers: [UUID: Sleeper] = [:]
        /// Every sleep asked for, in order.
        var requested: [Duration] = []
    }

    private let state: Mutex<State>

    init(start: Timestamp = Timestamp(milliseconds: 1_796_430_040_000)) {
        state = Mutex(State(now: start))
    }

    var now: Timestamp { state.withLock { $0.now } }

    /// Every sleep asked for so far, in order.
    var requestedSleeps: [Duration] { state.withLock { $0.requested } }

    /// The waits of the sleepers now suspended, shortest first (from now).
    var pendingSleeps: [Duration] {
        state.withLock { state in state.sleepers.values.map { $0.deadline - state.now }.sorted() }
    }

    func sleep(for duration: Duration) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    state.requested.append(duration)
                    if Task.isCancelled { return .failure(CancellationError()) }
                    let deadline = state.now + duration
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the time forward and wakes every sleeper whose deadline passed.
    func advance(by duration: Duration) {
        let due = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.now = state.now + duration
            let now = state.now
            let ids = state.sleepers.filter { $0.value.deadline <= now }.map(\.key)
            return ids.compactMap { state.sleepers.removeValue(forKey: $0)?.continuation }
        }
        for continuation in due { continuation.resume() }
    }
}

/// Waits (in real time, bounded) until `condition` holds: the services run on their own tasks. The bound
/// is generous because the whole unit suite shares a cooperative pool of one thread per core with
/// CPU-bound tests; a passing case takes milliseconds.
func eventually(
    _ what: @autoclosure () -> String, within limit: Duration = .seconds(30), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(1))
    }
    throw ServiceTestError("timed out waiting until \(what())")
}

struct ServiceTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
