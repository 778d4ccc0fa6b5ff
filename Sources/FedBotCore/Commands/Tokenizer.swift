/// Finds a command in a message and splits it into words.
public enum Tokenizer {
    /// The text after the prefix, or nil when the message is not a command for us.
    ///
    /// Drops a rich-reply fallback (leading `> ` lines) first. The prefix is matched case-insensitively and
    /// must be followed by white space or the end: `!fedx` is not `!fed`.
    public static func commandText(in body: String, prefix: String) -> String? {
        let text = String(body[fallbackEnd(in: body)...]).trimmingWhitespace()
        guard text.count >= prefix.count else { return nil }
        let head = text.prefix(prefix.count)
        guard head.lowercased() == prefix.lowercased() else { return nil }
        let rest = text.dropFirst(prefix.count)
        if let next = rest.first, !next.isWhitespace { return nil }
        return String(rest).trimmingWhitespace()
    }

    /// Where the text after a leading reply fallback (lines quoted with `> `) starts; the start when
    /// there is none.
    public static func fallbackEnd(in body: String) -> String.Index {
        guard body.hasPrefix("> ") || body == ">" || body.hasPrefix(">\n") else { return body.startIndex }
        var index = body.startIndex
        while index < body.endIndex, body[index] == ">" {
            guard let newline = body[index...].firstIndex(of: "\n") else { return body.endIndex }
            index = body.index(after: newline)
        }
        return index
    }

    /// Splits on white space, keeping "double" or 'single' quoted words together. Phone keyboards' curly
    /// quotes count as quotes, and a leading dash that autocorrect turned into — or – counts as `--`.
    public static func words(_ text: String) throws(CommandError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        for character in text {
            if let close = quote {
                if character == close {
                    quote = nil
                } else {
                    current.append(character)
                }
                continue
            }
            if !inWord, let close = closingQuote[character] {
                // A quote opens only at the start of a word: apostrophes inside words stay.
                quote = close
                inWord = true
            } else if character.isWhitespace {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if quote != nil { throw CommandError("a quote is not closed") }
        if inWord { words.append(current) }
        return words.map(normalizeDashes)
    }

    /// Opening quote → closing quote, straight and curly.
    private static let closingQuote: [Character: Character] = [
        "\"": "\"", "'": "'", "\u{201C}": "\u{201D}", "\u{2018}": "\u{2019}",
    ]

    private static func normalizeDashes(_ word: String) -> String {
        for dash in ["\u{2014}", "\u{2013}"] where word.hasPrefix(dash) && word.count > 1 {
            return "--" + word.dropFirst()
        }
        return word
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return start < end ? String(self[start..<end]) : ""
    }
}
