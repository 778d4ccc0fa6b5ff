/// A message for Matrix: the plain `body` (what notifications and room lists show) and the HTML
/// `formatted_body`. Both are built from the same `Block`s, so they always say the same thing.
public struct Reply: Equatable, Sendable {
    public var plain: String
    public var html: String

    public init(plain: String, html: String) {
        self.plain = plain
        self.html = html
    }

    public init(_ blocks: [Block]) {
        plain = blocks.map(\.plain).joined(separator: "\n")
        html = blocks.map(\.html).joined()
    }

    /// Bytes of both bodies, what counts toward Matrix's 64 KiB event limit.
    public var size: Int { plain.utf8.count + html.utf8.count }

    /// Budget for the two bodies together, leaving room for the event's envelope, relations and
    /// JSON escaping below the 65,536-byte event limit.
    public static let sizeBudget = 48 * 1024

    /// The longest reply showing the first n of `count` rows: `render(n)` renders n rows with their hints,
    /// and the reply, hints included, must stay within `sizeBudget`. When not every row fits, n also divides
    /// `offset` (the page's first row), so that `--limit n --page offset/n + 2` starts right after the
    /// rows shown.
    static func fitting(_ count: Int, offset: Int, render: (Int) -> Reply) -> (shown: Int, reply: Reply) {
        var shown = count
        var reply = render(shown)
        while shown > 1 {
            let fits = reply.size <= sizeBudget
            if fits && (shown == count || offset % shown == 0) { break }
            // Too long: fewer rows. Fits but out of line: the largest smaller limit that divides the offset.
            shown = fits ? (1..<shown).last { offset % $0 == 0 } ?? 1 : shown * 3 / 4
            reply = render(shown)
        }
        return (shown, reply)
    }
}

extension String {
    /// A name from a server or a user as one line of at most `limit` characters, ending in `…` when cut:
    /// such names can be very long, and control or bidirectional-override characters in them could add
    /// fake lines to the plain body or reorder what a client shows; each becomes a space.
    func truncated(to limit: Int) -> String {
        let clean = oneLine
        return clean.count > limit ? String(clean.prefix(limit - 1)) + "…" : clean
    }

    /// The text with every control or bidirectional-override character (which could add fake lines to the
    /// plain body or reorder what a client shows) as a space.
    var oneLine: String {
        // Printable ASCII (most text) needs no look at Unicode properties.
        if utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return self }
        guard unicodeScalars.contains(where: Self.isUnsafe) else { return self }
        var clean = ""
        clean.unicodeScalars.reserveCapacity(unicodeScalars.count)
        for scalar in unicodeScalars {
            clean.unicodeScalars.append(Self.isUnsafe(scalar) ? " " : scalar)
        }
        return clean
    }

    private static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || (0x202A...0x202E).contains(scalar.value)
            || (0x2066...0x2069).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}

/// A run of text with inline formatting, always one line: every piece of text loses control and bidi-override
/// characters (`String.oneLine`) in both bodies, whoever supplied it, and is escaped for HTML.
public struct Inline: Equatable, Sendable, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    enum Piece: Equatable, Sendable {
        case text(String)
        case bold(String)
        case code(String)
        case link(String, href: String)
    }

    var pieces: [Piece]

    public init(stringLiteral value: String) {
        pieces = [.text(value)]
    }

    public init(_ text: String) {
        pieces = [.text(text)]
    }

    init(pieces: [Piece]) {
        self.pieces = pieces
    }

    public static func bold(_ text: String) -> Inline { Inline(pieces: [.bold(text)]) }
    /// Monospace in HTML; as-is in plain text (backticks would show literally in notifications).
    public static func code(_ text: String) -> Inline { Inline(pieces: [.code(text)]) }
    /// A link (http/https only; anything else renders as text).
    public static func link(_ text: String, href: String) -> Inline { Inline(pieces: [.link(text, href: href)]) }

    public static func + (lhs: Inline, rhs: Inline) -> Inline { Inline(pieces: lhs.pieces + rhs.pieces) }

    public var plain: String {
        pieces.map { piece in
            switch piece {
            case .text(let text), .bold(let text), .code(let text): text.oneLine
            case .link(let text, _): text.oneLine
            }
        }.joined()
    }

    public var html: String {
        pieces.map { piece in
            switch piece {
            case .text(let text): HTML.escape(text.oneLine)
            case .bold(let text): "<b>\(HTML.escape(text.oneLine))</b>"
            case .code(let text): "<code>\(HTML.escape(text.oneLine))</code>"
            case .link(let text, let href):
                href.hasPrefix("https://") || href.hasPrefix("http://")
                    ? "<a href=\"\(HTML.escape(href.oneLine))\">\(HTML.escape(text.oneLine))</a>"
                    : HTML.escape(text.oneLine)
            }
        }.joined()
    }

    // String interpolation: "\(bold: x) and \(code: y)".
    public struct StringInterpolation: StringInterpolationProtocol {
        var pieces: [Piece] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) {
            if !literal.isEmpty { pieces.append(.text(literal)) }
        }

        public mutating func appendInterpolation(_ value: some CustomStringConvertible) {
            pieces.append(.text(value.description))
        }

        public mutating func appendInterpolation(bold value: some CustomStringConvertible) {
            pieces.append(.bold(value.description))
        }

        public mutating func appendInterpolation(code value: some CustomStringConvertible) {
            pieces.append(.code(value.description))
        }

        public mutating func appendInterpolation(_ inline: Inline) {
            pieces += inline.pieces
        }
    }

    public init(stringInterpolation: StringInterpolation) {
        pieces = stringInterpolation.pieces
    }
}

/// A paragraph-level piece of a reply.
public enum Block: Equatable, Sendable {
    /// A line of its own (`<p>` in HTML).
    case line(Inline)
    /// A bulleted list (`<ul>`), one line each in plain text.
    case bullets([Inline])
    /// Lines in a monospace block (`<pre><code>`), verbatim in plain text.
    case preformatted([String])

    public var plain: String {
        switch self {
        case .line(let inline): inline.plain
        case .bullets(let items): items.map { "• " + $0.plain }.joined(separator: "\n")
        case .preformatted(let lines): lines.map(\.oneLine).joined(separator: "\n")
        }
    }

    public var html: String {
        switch self {
        case .line(let inline): "<p>\(inline.html)</p>"
        case .bullets(let items): "<ul>" + items.map { "<li>\($0.html)</li>" }.joined() + "</ul>"
        case .preformatted(let lines):
            "<pre><code>" + lines.map { HTML.escape($0.oneLine) }.joined(separator: "\n") + "</code></pre>"
        }
    }
}

/// HTML escaping for text and attribute values.
public enum HTML {
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }
}
