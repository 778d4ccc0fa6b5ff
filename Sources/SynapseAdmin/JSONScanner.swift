import FedBotModels

/// A forward-only reader over JSON bytes, for the one response shape that is hot (pages of destinations).
///
/// It reads exactly what it accepts — strings without escapes (valid UTF-8), integer literals that fit in
/// `Int64`, `null` — skips nested values of any kind, and answers nil for everything else, so that the
/// caller falls back to `JSONDecoder`, which keeps the edge cases and the error messages.
struct JSONScanner: ~Copyable {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Deeper nesting than this in a skipped value is left to `JSONDecoder`.
    static let maximumDepth = 64

    var atEnd: Bool { index >= bytes.count }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case .space, .newline, .carriageReturn, .tab: index += 1
            default: return
            }
        }
    }

    /// Consumes `byte` after optional whitespace; false (and nothing consumed but whitespace) otherwise.
    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// Consumes `null` after optional whitespace.
    mutating func consumeNull() -> Bool {
        skipWhitespace()
        return literal("null")
    }

    /// A string value; nil for a string with escapes or control characters, invalid UTF-8, or no string.
    mutating func string() -> String? {
        guard let raw = rawString() else { return nil }
        return String(validating: raw, as: UTF8.self)
    }

    /// An object key (no escapes) and the colon after it.
    mutating func rawKeyAndColon() -> UnsafeBufferPointer<UInt8>? {
        guard let key = rawString(), consume(.colon) else { return nil }
        return key
    }

    /// An integer literal that fits in `Int64`; nil for fractions, exponents, leading zeros or overflow.
    mutating func int64() -> Int64? {
        skipWhitespace()
        let negative = index < bytes.count && bytes[index] == .minus
        if negative { index += 1 }
        let start = index
        var value: Int64 = 0
        while index < bytes.count, case let digit = bytes[index] &- .zero, digit < 10 {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (next, carry) =
                negative
                ? shifted.subtractingReportingOverflow(Int64(digit)) : shifted.addingReportingOverflow(Int64(digit))
            guard !overflow, !carry else { return nil }
            value = next
            index += 1
        }
        let digits = index - start
        guard digits > 0, digits == 1 || bytes[start] != .zero else { return nil }
        if index < bytes.count, bytes[index] == .dot || bytes[index] | 0x20 == .lowercaseE { return nil }
        return value
    }

    /// `null` (as `.some(nil)`) or an integer; nil when neither is here.
    mutating func nullableInt64() -> Int64?? {
        if consumeNull() { return .some(nil) }
        guard let value = int64() else { return nil }
        return .some(value)
    }

    /// Skips one value made of what this reader accepts: strings without escapes, integers, `null`, `true`,
    /// `false`, and arrays and objects of those. False for anything else (malformed or not), so that a
    /// body this reader accepts is always one `JSONDecoder` accepts too.
    mutating func skipValue(depth: Int = 0) -> Bool {
        skipWhitespace()
        guard depth < Self.maximumDepth, index < bytes.count else { return false }
        switch bytes[index] {
        case .quote:
            return string() != nil
        case .openBrace:
            index += 1
            if consume(.closeBrace) { return true }
            repeat {
                guard string() != nil, consume(.colon), skipValue(depth: depth + 1) else { return false }
            } while consume(.comma)
            return consume(.closeBrace)
        case .openBracket:
            index += 1
            if consume(.closeBracket) { return true }
            repeat {
                guard skipValue(depth: depth + 1) else { return false }
            } while consume(.comma)
            return consume(.closeBracket)
        case .lowercaseT: return literal("true")
        case .lowercaseF: return literal("false")
        case .lowercaseN: return literal("null")
        default: return int64() != nil
        }
    }

    // MARK: Helpers

    /// The bytes between the quotes of a string without escapes.
    private mutating func rawString() -> UnsafeBufferPointer<UInt8>? {
        guard consume(.quote) else { return nil }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == .quote {
                defer { index += 1 }
                return UnsafeBufferPointer(rebasing: bytes[start..<index])
            }
            guard byte != .backslash, byte >= .space else { return nil }
            index += 1
        }
        return nil
    }

    private mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { return false }
        index += count
        return true
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// True when these bytes spell `text`.
    func equals(_ text: StaticString) -> Bool {
        guard count == text.utf8CodeUnitCount else { return false }
        for offset in 0..<count where self[offset] != text.utf8Start[offset] { return false }
        return true
    }
}

extension UInt8 {
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let zero: UInt8 = 0x30
    static let colon: UInt8 = 0x3A
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let lowercaseE: UInt8 = 0x65
    static let lowercaseF: UInt8 = 0x66
    static let lowercaseN: UInt8 = 0x6E
    static let lowercaseT: UInt8 = 0x74
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D
}
