import Foundation

/// Named points where a test can make the bot die as if killed (`FEDBOT_TEST_CRASH_AT=<name>`), to prove
/// that a crash between any two steps loses or duplicates nothing. Unset in production: then a no-op.
enum CrashPoint: String {
    /// A command and its sync position are recorded; nothing was run.
    case afterRecord = "after-record"
    /// The reply is in the outbox; nothing was sent.
    case afterComplete = "after-complete"
    /// The homeserver accepted the reply; the outbox does not know yet.
    case afterSend = "after-send"
    /// A poll's new state and notices are stored; nothing was sent.
    case afterWatcherCommit = "after-watcher-commit"

    static let configured: CrashPoint? = ProcessInfo.processInfo.environment["FEDBOT_TEST_CRASH_AT"].flatMap(
        CrashPoint.init(rawValue:))

    /// Dies with SIGKILL when this point is the configured one.
    func reached() {
        guard Self.configured == self else { return }
        FileHandle.standardError.write(Data("fedbot: test crash at \(rawValue)\n".utf8))
        kill(getpid(), SIGKILL)
    }
}
