/// Parses the words after the prefix into an `Action`, or a `CommandError` that says what was expected.
/// Nothing invalid gets through: server names are validated, numbers range-checked. The grammar is the
/// declarations' (`CommandSpec.all`): this type only finds the command and runs its declaration.
public struct CommandParser: Sendable {
    public let prefix: String

    public init(prefix: String = "!fed") {
        self.prefix = prefix
    }

    /// Parses a whole message body. nil when it is not addressed to us.
    public func parse(message body: String) -> Result<Action, CommandError>? {
        guard let text = Tokenizer.commandText(in: body, prefix: prefix) else { return nil }
        if StoredCommand.isTooLong(body) {
            return .failure(
                CommandError(
                    "That command is too long (over \(StoredCommand.maximumCommandBytes / 1024) KiB). "
                        + "`\(prefix) help` lists the commands."))
        }
        do {
            return .success(try parse(words: Tokenizer.words(text)))
        } catch {
            return .failure(error)
        }
    }

    /// Parses the words after the prefix. No words is `help`.
    public func parse(words: [String]) throws(CommandError) -> Action {
        guard let first = words.first else { return .help(topic: nil) }
        guard let spec = CommandSpec.named(first) else { throw Self.unknownCommand(first, prefix: prefix) }
        var arguments = Arguments(words: Array(words.dropFirst()), spec: spec, prefix: prefix)
        // Options first: `rooms --page 2 example.org` must not take "2" for the server.
        try arguments.takeOptions()
        let action = try spec.action(&arguments)
        try arguments.finish()
        return action
    }

    /// "I don't know "lst". Did you mean `!fed list`?"
    static func unknownCommand(_ word: String, prefix: String) -> CommandError {
        if let suggestion = CommandName.suggestion(for: word) {
            return CommandError(
                "I don't know \(shown(word)). Did you mean `\(prefix) \(suggestion.rawValue)`? (`\(prefix) help` lists all)"
            )
        }
        return CommandError("I don't know \(shown(word)). `\(prefix) help` lists the commands.")
    }

    /// A word of the user's in an error message: at most 40 characters of it, so that a reply to a huge
    /// message still fits in one event, and control or bidi-override characters as spaces (`String.oneLine`).
    static func shown(_ word: some StringProtocol, quoted: Bool = true) -> String {
        let limit = 40
        let clean = String(word).oneLine
        let text = clean.count > limit ? String(clean.prefix(limit)) + "…" : clean
        return quoted ? "\"" + text + "\"" : text
    }
}
