import NIOCore

/// Thrown when a step of a check takes longer than `diagnostics.timeout`.
struct StepTimedOut: Error, Sendable {}

/// Runs `operation`, cancelling it and throwing `StepTimedOut` once `limit` has passed.
func withTimeout<T: Sendable>(
    _ limit: Duration, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw StepTimedOut()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw StepTimedOut() }
        return first
    }
}

/// The promise's value; cancelling the waiting task fails the promise, so that no wait outlives its
/// timeout (a future's `get()` alone does not notice cancellation).
func value<T: Sendable>(of promise: EventLoopPromise<T>) async throws -> T {
    try await withTaskCancellationHandler {
        try await promise.futureResult.get()
    } onCancel: {
        promise.fail(CancellationError())
    }
}

/// Milliseconds between two instants of the continuous clock.
func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
}
