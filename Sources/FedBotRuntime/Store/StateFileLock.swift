import Foundation

/// One `fedbot run` per state file: an exclusive `flock` on `<storage.path>.lock`, held for the life of the
/// process (the kernel drops it when the process ends, also after a crash or SIGKILL). A second bot on the
/// same state would run pending commands twice and race the first one's notices.
public final class StateFileLock: Sendable {
    /// The lock file's path.
    public let path: String
    private let descriptor: Int32

    /// Takes the lock or throws `StateFileLockError` at once (it never waits).
    public init(statePath: String) throws(StateFileLockError) {
        path = statePath + ".lock"
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw StateFileLockError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let reason = String(cString: strerror(errno))
            close(fd)
            throw StateFileLockError(
                busy
                    ? "another fedbot is already running with the state file \(statePath) (it holds \(path)); "
                        + "stop it first, or give this one its own storage.path"
                    : "cannot lock \(path): \(reason)")
        }
        descriptor = fd
    }

    deinit {
        close(descriptor)
    }
}

/// The state file is in use by another process, or its lock file cannot be made.
public struct StateFileLockError: Error, CustomStringConvertible, Sendable {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
