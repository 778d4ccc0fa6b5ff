public import FedBotModels

/// One command declared as data (the swift-argument-parser and Draupnir pattern): its word, positional
/// arguments and options with their ranges, the usage and help lines, and how its words become an
/// `Action`. The parser, `help` and "did you mean" iterate `CommandSpec.all`; each declaration lives in
/// `Declarations/` beside the reply it renders.
public struct CommandSpec: Sendable {
    /// A positional argument as the usage line shows it: `SERVER`, `[DURATION]`.
    public struct Positional: Sendable, Equatable {
        public var name: String
        public var isOptional: Bool

        public static func required(_ name: String) -> Positional { Positional(name: name, isOptional: false) }
        public static func optional(_ name: String) -> Positional { Positional(name: name, isOptional: true) }

        public var usage: String { isOptional ? "[\(name)]" : name }
    }

    public let name: CommandName
    public let positionals: [Positional]
    /// Options in the order they are read (and listed in the usage).
    public let options: [OptionSpec]
    /// One line for the command overview.
    public let summary: String
    /// Extra lines for `help COMMAND`.
    public let details: [String]
    /// Works only with the watcher (`notices.rooms` configured): `help` leaves it out otherwise.
    public let needsWatcher: Bool
    /// What an error reply says could not be done ("Could not show"); the action's server follows.
    let failurePhrase: String
    /// The arguments as the usage line shows them, when the generated form would mislead (`reset`).
    let usageArguments: String?
    /// Turns the words after the command word into an action. Options are already taken and checked.
    let action: @Sendable (inout Arguments) throws(CommandError) -> Action

    init(
        name: CommandName, positionals: [Positional] = [], options: [OptionSpec] = [], summary: String,
        details: [String], needsWatcher: Bool = false, failure: String, usage: String? = nil,
        action: @escaping @Sendable (inout Arguments) throws(CommandError) -> Action
    ) {
        self.name = name
        self.positionals = positionals
        self.options = options
        self.summary = summary
        self.details = details
        self.needsWatcher = needsWatcher
        self.failurePhrase = failure
        self.usageArguments = usage
        self.action = action
    }

    /// Arguments after the command word: `SERVER [--limit N] [--page N]`.
    public var arguments: String {
        if let usageArguments { return usageArguments }
        return (positionals.map(\.usage) + options.map(\.usage)).joined(separator: " ")
    }

    /// `!fed list [failing|healthy|all] …`
    public func usage(prefix: String) -> String {
        arguments.isEmpty ? "\(prefix) \(name.rawValue)" : "\(prefix) \(name.rawValue) \(arguments)"
    }

    /// `Could not show example.org`: what an error reply says failed.
    public func failure(about server: ServerName?) -> String {
        server.map { "\(failurePhrase) \($0)" } ?? failurePhrase
    }
}

extension CommandSpec {
    /// Every command, in the order `help` lists them.
    public static let all: [CommandSpec] = [
        .help, .list, .show, .rooms, .reset, .status, .mute, .unmute, .incidents, .ack, .check, .probes,
    ]

    /// The command called `word` (case-insensitive).
    public static func named(_ word: String) -> CommandSpec? {
        let word = word.lowercased()
        return all.first { $0.name.rawValue == word }
    }

    /// The commands that work here: those needing the watcher only when it runs.
    public static func available(watcherEnabled: Bool) -> [CommandSpec] {
        all.filter { watcherEnabled || !$0.needsWatcher }
    }
}
