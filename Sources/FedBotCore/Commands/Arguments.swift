import FedBotModels

/// The words after the command word: options (`--limit 5`, `--limit=5`, flags) and positionals, consumed
/// in any order; whatever is left over is an error.
struct Arguments {
    private var words: [String]
    /// Options and flags already taken, to tell "given twice" from "unknown".
    private var consumed: Set<String> = []
    private var numbers: [String: Int] = [:]
    private var choices: [String: String] = [:]
    let spec: CommandSpec
    let prefix: String

    init(words: [String], spec: CommandSpec, prefix: String) {
        self.words = words
        self.spec = spec
        self.prefix = prefix
    }

    /// The message, then the usage in backticks (replies show it as code).
    func error(_ message: String) -> CommandError {
        let end = message.hasSuffix("?") || message.hasSuffix(".") ? "" : "."
        return CommandError("\(message)\(end) Usage: `\(spec.usage(prefix: prefix))`", command: spec.name)
    }

    // MARK: Options

    /// Takes every declared option, in the declaration's order, and checks its value.
    mutating func takeOptions() throws(CommandError) {
        for option in spec.options {
            switch option.kind {
            case .flag:
                _ = takeFlag(option.name)
            case .number(let range):
                guard let text = try takeValue(option.name) else { continue }
                guard let value = Int(text), range.contains(value) else {
                    throw error(
                        "\(option.name) takes a number from \(range.lowerBound) to \(range.upperBound), got \(CommandParser.shown(text))"
                    )
                }
                numbers[option.name] = value
            case .choice(let values):
                guard let text = try takeValue(option.name) else { continue }
                guard let value = values.first(where: { $0 == text.lowercased() }) else {
                    throw error(
                        "\(option.name) takes \(values.joined(separator: ", ")), got \(CommandParser.shown(text))")
                }
                choices[option.name] = value
            }
        }
    }

    /// The value of a number option, nil when not given.
    func number(_ option: OptionSpec) -> Int? { numbers[option.name] }

    /// The value of a choice option (lower case, one of its words), nil when not given.
    func choice(_ option: OptionSpec) -> String? { choices[option.name] }

    /// Whether a flag was given.
    func flag(_ option: OptionSpec) -> Bool { consumed.contains(option.name) }

    /// `--limit` and `--page`, with their defaults.
    func paging() -> Paging {
        Paging(limit: number(.limit) ?? Paging.defaultLimit, page: number(.page) ?? 1)
    }

    /// Removes `--name VALUE` or `--name=VALUE` and returns VALUE.
    private mutating func takeValue(_ name: String) throws(CommandError) -> String? {
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
    private mutating func takeFlag(_ name: String) -> Bool {
        guard let index = words.firstIndex(where: { $0.lowercased() == name }) else { return false }
        words.remove(at: index)
        consumed.insert(name)
        return true
    }

    // MARK: Positionals

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
            let known = spec.options.map(\.name)
            let name = String(word.prefix { $0 != "=" }).lowercased()
            if consumed.contains(name) { throw error("\(CommandParser.shown(name, quoted: false)) is given twice") }
            if let close = known.min(by: { EditDistance.between(name, $0) < EditDistance.between(name, $1) }),
                EditDistance.between(name, close) <= 2
            {
                throw error("unknown option \(CommandParser.shown(word, quoted: false)), did you mean \(close)?")
            }
            throw error(
                known.isEmpty
                    ? "\(spec.name) takes no options"
                    : "unknown option \(CommandParser.shown(word, quoted: false))")
        }
        throw error("unexpected \(CommandParser.shown(word))")
    }
}
