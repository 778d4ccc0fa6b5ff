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

/// Checks `condition` until it holds, at most `checks` times, `pause` apart; whether it held.
///
/// The bound counts this task's own checks, not real time. The services under test run on the same
/// cooperative pool (one thread per core) as every other case of the unit run, CPU-bound parameterized
/// cases included: on a loaded 2-core machine the pool can be taken for many seconds, during which neither
/// the bot nor this loop runs. A real-time deadline counts that time and fails a test that was merely not
/// scheduled; a count of checks stretches with the starvation (each check needs the pool too) and still ends
/// a genuine hang: with the pool free, 30,000 checks 1 ms apart last at least 30 s.
func holds(
    within checks: Int = 30_000, pause: Duration = .milliseconds(1), _ condition: () async throws -> Bool
) async throws -> Bool {
    for _ in 0..<checks {
        if try await condition() { return true }
        try await Task.sleep(for: pause)
    }
    return try await condition()
}

/// Waits until `condition` holds (the services run on their own tasks), or throws after `checks` checks
/// (see `holds`: the bound is in checks, not real time). A passing case takes a few checks.
func eventually(
    _ what: @autoclosure () -> String, within checks: Int = 30_000, _ condition: () async throws -> Bool
) async throws {
    if try await holds(within: checks, condition) { return }
    throw ServiceTestError("timed out waiting until \(what()) (\(checks) checks)")
}

struct ServiceTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
