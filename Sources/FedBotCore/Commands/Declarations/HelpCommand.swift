extension CommandName {
    public static let help: CommandName = "help"
}

extension CommandSpec {
    /// `help [command]`
    public static let help = CommandSpec(
        name: .help, positionals: [.optional("command")], summary: "usage of a command",
        details: ["Without a command: the list of commands."], failure: "Could not show help"
    ) { (arguments: inout Arguments) throws(CommandError) -> Action in
        guard let word = arguments.nextPositional() else { return .help(topic: nil) }
        guard let topic = CommandSpec.named(word) else {
            throw CommandParser.unknownCommand(word, prefix: arguments.prefix)
        }
        return .help(topic: topic.name)
    }
}

/// `help` and `help COMMAND`: short enough for a phone screen.
public struct HelpReply: RenderableReply {
    public var topic: CommandSpec?
    /// Commands the bot offers here (those that need the watcher only when it runs).
    public var commands: [CommandSpec]

    public init(topic: CommandSpec?, watcherEnabled: Bool = true) {
        self.topic = topic
        self.commands = CommandSpec.available(watcherEnabled: watcherEnabled)
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
        let items = commands.filter { $0.name != .help }.map { spec -> Inline in
            context.command(spec.name.rawValue) + " — \(spec.summary)"
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
