public import FedBotModels

extension CommandName {
    public static let status: CommandName = "status"
}

extension CommandSpec {
    /// `status`
    public static let status = CommandSpec(
        name: .status, summary: "bot and homeserver health",
        details: [
            "Whether the homeserver and its admin API answer, the last federation poll, counts and open incidents."
        ],
        failure: "Could not get the status"
    ) { (_: inout Arguments) throws(CommandError) -> Action in
        .status
    }
}

/// A `status` reply: the checks the bot made and what the watcher knows.
public struct StatusReply: RenderableReply {
    /// The outcome of one check.
    public enum Check: Sendable, Equatable {
        case ok(String)
        case failed(String)
    }

    public var homeserver: Check
    public var adminAPI: Check
    /// Failing and total destinations, when the admin API answered.
    public var federation: (failing: Int, total: Int)?
    /// Whether the watcher runs (notice rooms configured), and its last completed poll.
    public var watcherEnabled: Bool
    public var lastPoll: Timestamp?
    public var openIncidents: Int?
    public var mutedServers: Int?
    /// Set when the watcher's state file (`fedbot fed` reads the running bot's) is missing or unreadable.
    public var stateFile: StateFileProblem?
    /// Messages the outbox gave up on lately, by room.
    public var undelivered: [Undelivered] = []

    /// Messages to one room that could not be delivered: how many, and why the first of them failed.
    public struct Undelivered: Sendable, Equatable {
        public var room: String
        public var count: Int
        public var reason: String

        public init(room: String, count: Int, reason: String) {
            self.room = room
            self.count = count
            self.reason = reason
        }
    }

    public init(
        homeserver: Check, adminAPI: Check, federation: (failing: Int, total: Int)?, watcherEnabled: Bool,
        lastPoll: Timestamp?, openIncidents: Int?, mutedServers: Int?, stateFile: StateFileProblem? = nil
    ) {
        self.stateFile = stateFile
        self.homeserver = homeserver
        self.adminAPI = adminAPI
        self.federation = federation
        self.watcherEnabled = watcherEnabled
        self.lastPoll = lastPoll
        self.openIncidents = openIncidents
        self.mutedServers = mutedServers
    }

    /// True when both the homeserver and its admin API answer.
    public var isHealthy: Bool {
        if case .ok = homeserver, case .ok = adminAPI { return true }
        return false
    }

    public func render(_ context: RenderContext) -> Reply {
        var title: Inline = isHealthy ? "✅ fedbot is working" : "⚠️ fedbot has a problem"
        if let federation {
            title =
                title
                + ": \(bold: CountText.format(federation.failing)) of \(CountText.plural(federation.total, "destination")) failing"
        }
        var lines: [Inline] = [line("Homeserver", homeserver), line("Admin API", adminAPI)]
        if watcherEnabled {
            if let stateFile {
                lines.append("Watcher: " + stateFile.text(startingSentence: false))
            } else if let lastPoll {
                lines.append(
                    "Watcher: last poll \(TimeText.short(lastPoll, now: context.now)) (\(TimeText.relative(lastPoll, now: context.now)))"
                )
            } else {
                lines.append("Watcher: no poll yet")
            }
        } else {
            lines.append("Watcher: off (no notices.rooms configured)")
        }
        if let openIncidents {
            var text: Inline = "Open incidents: \(CountText.format(openIncidents))"
            if let mutedServers, mutedServers > 0 { text = text + " (\(CountText.format(mutedServers)) muted)" }
            lines.append(text)
        }
        for item in undelivered {
            lines.append(
                "\(CountText.plural(item.count, "message")) could not be delivered to \(item.room): \(item.reason)")
        }
        return Reply([.line(title), .bullets(lines)])
    }

    private func line(_ label: String, _ check: Check) -> Inline {
        switch check {
        case .ok(let detail): "\(label): ✅ \(detail.truncated(to: ErrorReply.maximumDetailLength))"
        case .failed(let detail): "\(label): ❌ \(detail.truncated(to: ErrorReply.maximumDetailLength))"
        }
    }
}

extension StatusReply.Check {
    /// The homeserver answered `whoami`.
    public static func loggedIn(as user: some CustomStringConvertible) -> Self {
        .ok("reachable, logged in as \(user)")
    }

    /// A shell command that does not use the client-server API.
    public static let notUsed = Self.ok("not used by this command")

    /// The homeserver did not answer `whoami`: what failed and how to fix it.
    public static func failed(describing error: MatrixError) -> Self {
        .failed(MatrixErrorText.describe(error))
    }

    /// The admin API answered with server admin rights; `version` is Synapse's, when it said.
    public static func serverAdmin(version: String?) -> Self {
        .ok("\(version.map { "Synapse \($0)" } ?? "answering"), server admin rights")
    }
}
