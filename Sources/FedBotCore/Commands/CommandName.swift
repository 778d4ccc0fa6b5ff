/// A command word (`list`, `reset`): what metrics, logs, usage errors and `help COMMAND` name a command
/// by. Each declaration in `Declarations/` adds its own (`CommandName.list`); `CommandSpec.all` knows
/// which exist.
public struct CommandName: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        rawValue = value
    }

    public var description: String { rawValue }

    /// The closest command word to `word` (edit distance ≤ 2, or a unique prefix), for "did you mean".
    public static func suggestion(for word: String) -> CommandName? {
        let word = word.lowercased()
        let names = CommandSpec.all.map(\.name)
        let prefixed = names.filter { $0.rawValue.hasPrefix(word) }
        if word.count >= 2, prefixed.count == 1 { return prefixed[0] }
        let scored = names.map { ($0, EditDistance.between(word, $0.rawValue)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(1, min(2, word.count / 2)) else { return nil }
        return best.0
    }
}
