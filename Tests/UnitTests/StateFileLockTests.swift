import FedBotRuntime
import Foundation
import Testing

/// One bot per state file: the second taker is refused at once, and the lock is free again once released.
@Suite struct StateFileLockTests {
    @Test func aSecondTakerIsRefusedUntilTheFirstLetsGo() throws {
        let state = NSTemporaryDirectory() + "fedbot-lock-\(UUID().uuidString)/fedbot.sqlite"
        var first: StateFileLock? = try StateFileLock(statePath: state)
        #expect(first?.path == state + ".lock")
        do {
            _ = try StateFileLock(statePath: state)
            Issue.record("a second lock on the same state file was granted")
        } catch {
            #expect(error.description.hasPrefix("another fedbot is already running with the state file \(state)"))
        }
        first = nil
        #expect(throws: Never.self) { _ = try StateFileLock(statePath: state) }
    }
}
