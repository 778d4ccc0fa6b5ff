public import FedBotModels

/// A shell-style pattern for server names, as in `notices.ignore`: `*` matches any run of characters
/// (dots included, so `*.example.org` covers `a.b.example.org` but not `example.org`), `?` matches
/// exactly one character, and everything else matches itself. ASCII letters match case-insensitively.
///
/// There are no character classes or escapes, and nothing is handed to a regex engine. Matching is
/// iterative and takes at most O(pattern × text) steps, so patterns like `*a*a*a*a*b` stay fast.
public struct Glob: Hashable, Sendable, CustomStringConvertible {
    /// The pattern exactly as written.
    public let pattern: String
    /// The pattern with ASCII letters lowercased and runs of `*` collapsed into one.
    private let elements: [Element]

    private enum Element: Hashable {
        case anyRun
        case anyOne
        case literal(Unicode.Scalar)
    }

    /// Compiles `pattern`; every string is a valid pattern (an empty one matches only the empty string).
    public init(_ pattern: String) {
        self.pattern = pattern
        var elements: [Element] = []
        for scalar in pattern.unicodeScalars {
            switch scalar {
            case "*":
                if elements.last != .anyRun { elements.append(.anyRun) }
            case "?":
                elements.append(.anyOne)
            default:
                elements.append(.literal(Self.foldCase(scalar)))
            }
        }
        self.elements = elements
    }

    public var description: String { pattern }

    /// Whether the pattern contains `*` or `?`.
    public var hasWildcards: Bool {
        elements.contains { $0 == .anyRun || $0 == .anyOne }
    }

    /// Whether the whole of `text` matches the pattern.
    public func matches(_ text: some StringProtocol) -> Bool {
        let text = text.unicodeScalars.map(Self.foldCase)
        var patternIndex = 0
        var textIndex = 0
        // Where the last `*` was and the text position it currently stands for: on a mismatch the star
        // absorbs one more character and matching resumes after it. Earlier stars never need revisiting.
        var lastStar: Int?
        var starTextIndex = 0
        while textIndex < text.count {
            if patternIndex < elements.count {
                switch elements[patternIndex] {
                case .anyRun:
                    lastStar = patternIndex
                    starTextIndex = textIndex
                    patternIndex += 1
                    continue
                case .anyOne:
                    patternIndex += 1
                    textIndex += 1
                    continue
                case .literal(let scalar) where scalar == text[textIndex]:
                    patternIndex += 1
                    textIndex += 1
                    continue
                case .literal:
                    break
                }
            }
            guard let lastStar else { return false }
            patternIndex = lastStar + 1
            starTextIndex += 1
            textIndex = starTextIndex
        }
        while patternIndex < elements.count, elements[patternIndex] == .anyRun { patternIndex += 1 }
        return patternIndex == elements.count
    }

    /// Whether the server name matches the pattern.
    public func matches(_ server: ServerName) -> Bool {
        matches(server.rawValue)
    }

    private static func foldCase(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        guard ("A"..."Z").contains(scalar), let lower = Unicode.Scalar(scalar.value + 32) else { return scalar }
        return lower
    }
}
