import Foundation

extension ConfigFiles {
    /// Replaces the file at `path` (the file a symbolic link points to, when it is one) with `text`,
    /// atomically: a temporary file in the same directory, created with mode 0600, given the original's
    /// permission bits (and owner, where allowed), synced, then renamed over it. A config that holds a token
    /// is never readable by others for a moment, and a crash leaves the old file or the new one, never
    /// half of one. Fails without changing anything when the file no longer reads `expected`.
    static func replace(_ path: String, with text: String, expected: String) throws(ConfigRewriter.Failure) {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var info = stat()
        guard stat(target, &info) == 0 else { throw failure("cannot read it: \(errorText())") }
        let directory = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        let temporary = "\(directory)/.\(name).fedbot-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot create a file next to it: \(errorText())") }
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        // The owner stays when we may give it (root, or the same user); otherwise the file becomes ours.
        _ = fchown(fd, info.st_uid, info.st_gid)
        let ok = written == bytes.count && fchmod(fd, info.st_mode & 0o7777) == 0 && fsync(fd) == 0
        let error = errorText()
        close(fd)
        guard ok else { throw failure("cannot write the new version: \(error)") }
        guard case .success(let current) = read(target), current == expected else {
            throw failure("it changed while fedbot was editing it: run fedbot setup --write-config again")
        }
        guard rename(temporary, target) == 0 else { throw failure("cannot replace it: \(errorText())") }
        renamed = true
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    private static func failure(_ text: String) -> ConfigRewriter.Failure {
        ConfigRewriter.Failure(description: text)
    }

    private static func errorText() -> String {
        String(cString: strerror(errno))
    }
}
