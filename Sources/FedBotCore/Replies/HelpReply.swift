/// `help` and `help COMMAND`: short enough for a phone screen.
public struct HelpReply: Sendable {
    public var topic: CommandName?
    /// Commands the bot offers here (mute/unmute/incidents only when the watcher runs).
    public var commands: [CommandName]

    public init(topic: CommandName?, commands: [CommandName] = CommandName.allCases) {
        self.topic = topic
        self.commands = commands
    }

    public func render(_ context: RenderContext) -> Reply {
        if let topic {
            return Reply(
                [
                    .line(.code(topic.usage(prefix: context.prefix))),
                    .line(Inline(topic.summary.capitalizedFirst + ".")),
                ]
                    + topic.details.map { .line(Inline($0)) })
        }
        let items = commands.filter { $0 != .help }.map { name -> Inline in
            context.command(name.rawValue) + " — \(name.summary)"
        }
        return Reply([
            .line("\(bold: "fedbot") watches this homeserver's federation. Commands:"),
            .bullets(items),
            .line(
                "Details: \(context.command("help", "COMMAND")). SERVER can be example.org, a user ID or a matrix.to link."
            ),
        ])
    }
}

/// A usage error, answered before any request.
public struct UsageReply: Sendable {
    public var error: CommandError

    public init(_ error: CommandError) {
        self.error = error
    }

    public func render(_ context: RenderContext) -> Reply {
        Reply([.line("⚠️ " + Self.inline(error.message))])
    }

    /// The message with its `backticked` spans (commands, usage) as code: monospace in HTML, and without
    /// backticks in the plain body. Unbalanced backticks (from user input) stay as text.
    static func inline(_ message: String) -> Inline {
        let parts = message.split(separator: "`", omittingEmptySubsequences: false)
        guard parts.count % 2 == 1 else { return Inline(message) }
        var result = Inline(pieces: [])
        for (index, part) in parts.enumerated() where !part.isEmpty {
            result = result + (index % 2 == 1 ? .code(String(part)) : Inline(String(part)))
        }
        return result
    }
}
