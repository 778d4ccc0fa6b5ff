import FedBotModels

/// Parses the words after the prefix into a `Command`, or a `CommandError` that says what was expected.
/// Nothing invalid gets through: server names are validated, numbers range-checked.
public struct CommandParser: Sendable {
    public let prefix: String

    public init(prefix: String = "!fed") {
        self.prefix = prefix
    }

    /// Parses a whole message body. nil when it is not addressed to us.
    public func parse(message body: String) -> Result<Command, CommandError>? {
        guard let text = Tokenizer.commandText(in: body, prefix: prefix) else { return nil }
        do {
            return .success(try parse(words: Tokenizer.words(text)))
        } catch {
            return .failure(error)
        }
    }

    /// Parses the words after the prefix. No words is `help`.
    public func parse(words: [String]) throws(CommandError) -> Command {
        guard let first = words.first else { return .help(topic: nil) }
        guard let name = CommandName(rawValue: first.lowercased()) else {
            throw unknownCommand(first)
        }
        var arguments = Arguments(words: Array(words.dropFirst()), command: name, prefix: prefix)
        let command: Command
        switch name {
        case .help:
            var topic: CommandName?
            if let word = arguments.nextPositional() {
                guard let found = CommandName(rawValue: word.lowercased()) else { throw unknownCommand(word) }
                topic = found
            }
            command = .help(topic: topic)
        case .list:
            command = .list(try parseList(&arguments))
        case .show:
            command = .show(try arguments.server())
        case .rooms:
            // Options first: `rooms --page 2 example.org` must not take "2" for the server.
            let paging = try arguments.paging()
            command = .rooms(try arguments.server(), paging)
        case .reset:
            command = .reset(try arguments.server())
        case .status:
            command = .status
        case .mute:
            let server = try arguments.server()
            var duration = Self.defaultMute
            if let word = arguments.nextPositional() {
                // DurationText's error says how to fix common mistakes ("2 hours": add a unit).
                let parsed: Duration
                do {
                    parsed = try DurationText.parseOrThrow(word)
                } catch {
                    throw arguments.error(error.description)
                }
                guard parsed > .zero, parsed <= Self.longestMute else {
                    throw arguments.error("a mute needs a duration above 0 and up to 365d, like 2h or 7d")
                }
                duration = parsed
            }
            command = .mute(server, duration: duration)
        case .unmute:
            command = .unmute(try arguments.server())
        case .incidents:
            command = .incidents
        }
        try arguments.finish()
        return command
    }

    /// How long `mute` lasts without a DURATION.
    public static let defaultMute: Duration = .seconds(24 * 3600)

    /// A word of the user's in an error message: at most 40 characters of it, so that a reply to a huge
    /// message still fits in one event.
    static func shown(_ word: some StringProtocol, quoted: Bool = true) -> String {
        let limit = 40
        let text = word.count > limit ? String(word.prefix(limit)) + "…" : String(word)
        return quoted ? "\"" + text + "\"" : text
    }

    /// The longest mute: a year (longer is `notices.ignore`'s job).
    public static let longestMute: Duration = .seconds(365 * 24 * 3600)

    private func parseList(_ arguments: inout Arguments) throws(CommandError) -> ListOptions {
        var options = ListOptions()
        options.sort = try arguments.option("--sort").map { (word: String) throws(CommandError) -> ListSort in
            guard let sort = ListSort(rawValue: word.lowercased()) else {
                throw arguments.error(
                    "--sort takes \(ListSort.allCases.map(\.rawValue).joined(separator: ", ")), got \(CommandParser.shown(word))"
                )
            }
            return sort
        }
        options.descending = arguments.flag("--desc")
        options.paging = try arguments.paging()
        if let word = arguments.peekPositional(), let filter = ListFilter(rawValue: word.lowercased()) {
            _ = arguments.nextPositional()
            options.filter = filter
        }
        if let text = arguments.nextPositional() {
            guard (try? DestinationFilterText.validate(text)) != nil else {
                throw arguments.error(
                    "TEXT may contain only letters, digits, '-', '.', ':', '[' and ']', got \(CommandParser.shown(text))"
                )
            }
            options.text = text
        }
        return options
    }

    private func unknownCommand(_ word: String) -> CommandError {
        if let suggestion = CommandName.suggestion(for: word) {
            return CommandError(
                "I don't know \(CommandParser.shown(word)). Did you mean `\(prefix) \(suggestion.rawValue)`? (`\(prefix) help` lists all)"
            )
        }
        return CommandError("I don't know \(CommandParser.shown(word)). `\(prefix) help` lists the commands.")
    }
}

/// The grammar of `list`'s TEXT, which Synapse uses as a SQL LIKE pattern without escaping.
public enum DestinationFilterText {
    public static func validate(_ text: String) throws(CommandError) {
        let ok =
            !text.isEmpty && text.utf8.count <= 255
            && text.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                        || "-.:[]".unicodeScalars.contains(scalar))
            }
        guard ok else { throw CommandError("invalid filter text") }
    }
}

/// The words after the command word: options (`--limit 5`, `--limit=5`, flags) and positionals, consumed
/// in any order; whatever is left over is an error.
struct Arguments {
    private var words: [String]
    /// Options and flags already taken, to tell "given twice" from "unknown".
    private var consumed: Set<String> = []
    let command: CommandName
    let prefix: String

    init(words: [String], command: CommandName, prefix: String) {
        self.words = words
        self.command = command
        self.prefix = prefix
    }

    /// The message, then the usage in backticks (replies show it as code).
    func error(_ message: String) -> CommandError {
        let end = message.hasSuffix("?") || message.hasSuffix(".") ? "" : "."
        return CommandError("\(message)\(end) Usage: `\(command.usage(prefix: prefix))`", command: command)
    }

    /// Removes `--name VALUE` or `--name=VALUE` and returns VALUE.
    mutating func option(_ name: String) throws(CommandError) -> String? {
        for (index, word) in words.enumerated() {
            if word.lowercased() == name {
                guard index + 1 < words.count, !words[index + 1].hasPrefix("--") else {
                    throw error("\(name) needs a value")
                }
                let value = words[index + 1]
                words.removeSubrange(index...(index + 1))
                consumed.insert(name)
                return value
            }
            if word.lowercased().hasPrefix(name + "=") {
                words.remove(at: index)
                consumed.insert(name)
                return String(word.dropFirst(name.count + 1))
            }
        }
        return nil
    }

    /// Removes a `--flag` and says whether it was there.
    mutating func flag(_ name: String) -> Bool {
        guard let index = words.firstIndex(where: { $0.lowercased() == name }) else { return false }
        words.remove(at: index)
        consumed.insert(name)
        return true
    }

    /// `--limit N` (1…1000) and `--page N` (≥ 1).
    mutating func paging() throws(CommandError) -> Paging {
        var paging = Paging()
        if let text = try option("--limit") {
            guard let value = Int(text), (1...Paging.maximumLimit).contains(value) else {
                throw error("--limit takes a number from 1 to \(Paging.maximumLimit), got \(CommandParser.shown(text))")
            }
            paging.limit = value
        }
        if let text = try option("--page") {
            guard let value = Int(text), (1...Paging.maximumPage).contains(value) else {
                throw error("--page takes a number from 1 to \(Paging.maximumPage), got \(CommandParser.shown(text))")
            }
            paging.page = value
        }
        return paging
    }

    func peekPositional() -> String? {
        words.first { !$0.hasPrefix("--") }
    }

    mutating func nextPositional() -> String? {
        guard let index = words.firstIndex(where: { !$0.hasPrefix("--") }) else { return nil }
        return words.remove(at: index)
    }

    /// The SERVER argument: required, and must contain a server name.
    mutating func server() throws(CommandError) -> ServerName {
        guard let word = nextPositional() else { throw error("SERVER is missing") }
        guard let server = ServerArgument.parse(word) else {
            throw error("\(CommandParser.shown(word)) is not \(ServerArgument.expectation)")
        }
        return server
    }

    /// Fails on anything not consumed: unknown options (with a suggestion) or extra words.
    func finish() throws(CommandError) {
        guard let word = words.first else { return }
        if word.hasPrefix("--") {
            let known = Self.options[command] ?? []
            let name = String(word.prefix { $0 != "=" }).lowercased()
            if consumed.contains(name) { throw error("\(name) is given twice") }
            if let close = known.min(by: { EditDistance.between(name, $0) < EditDistance.between(name, $1) }),
                EditDistance.between(name, close) <= 2
            {
                throw error("unknown option \(word), did you mean \(close)?")
            }
            throw error(
                known.isEmpty
                    ? "\(command.rawValue) takes no options"
                    : "unknown option \(CommandParser.shown(word, quoted: false))")
        }
        throw error("unexpected \(CommandParser.shown(word))")
    }

    static let options: [CommandName: [String]] = [
        .list: ["--sort", "--desc", "--limit", "--page"],
        .rooms: ["--limit", "--page"],
    ]
}
