/// Why `fedbot fed` cannot use the watcher's state file (`storage.path`, resolved against the current
/// directory when relative): the commands that need it say so instead of "notices are off".
public struct StateFileProblem: Error, Equatable, Sendable {
    /// The absolute path looked at.
    public var path: String
    /// nil when there is no file at `path`; otherwise why it could not be opened.
    public var reason: String?

    public init(path: String, reason: String? = nil) {
        self.path = path
        self.reason = reason
    }

    /// `no state file at /srv/fedbot/fedbot.sqlite: has fedbot run started with this config?` (`No …` at the
    /// start of a sentence).
    func text(startingSentence: Bool) -> Inline {
        guard let reason else {
            let start = startingSentence ? "No" : "no"
            return "\(start) state file at \(path): has \(code: "fedbot run") started with this config?"
        }
        return "\(startingSentence ? "Cannot" : "cannot") read the state file at \(path): \(reason)"
    }
}

/// The answer to `incidents`, `mute` or `unmute` when the state file is missing or unreadable.
public struct StateFileReply: RenderableReply {
    public var problem: StateFileProblem

    public init(_ problem: StateFileProblem) {
        self.problem = problem
    }

    public func render(_ context: RenderContext) -> Reply {
        Reply([.line("ℹ️ " + problem.text(startingSentence: true))])
    }
}
