/// Human durations as written in the config file and in chat commands (`!fed mute SERVER 2h`).
///
/// Grammar: `0`, or one or more `<digits><unit>` parts with the largest unit first and each unit at
/// most once: `500ms`, `45s`, `10m`, `2h`, `1d`, `1w`, `1h30m`, `1d2h`. Units are `ms`, `s`, `m`,
/// `h`, `d` (24 h) and `w` (7 d), case-insensitive. No signs, fractions, spaces or bare numbers other
/// than `0`; values too large for whole milliseconds in 64 bits are rejected instead of overflowing.
public enum DurationText {
    /// The phrase every error starts with; config errors and chat replies use it as is.
    public static let expectation = "expected a duration like 30s, 10m, 2h or 1d"

    /// Parses `text`; nil when it does not follow the grammar.
    public static func parse(_ text: some StringProtocol) -> Duration? {
        try? parseOrThrow(text)
    }

    /// Parses `text`, or throws an error whose message says what was expected and what was wrong.
    public static func parseOrThrow(_ text: some StringProtocol) throws(DurationTextError) -> Duration {
        let input = String(text)
        switch scan(Array(input.utf8)) {
        case .success(let milliseconds): return .milliseconds(milliseconds)
        case .failure(let reason): throw DurationTextError(input: input, reason: reason)
        }
    }

    /// Short text for replies: at most two adjacent units, truncated, e.g. `2h 13m`, `45s`, `3d 4h`,
    /// `500ms`, `0s`. Days are the largest unit (`17d 4h`, not `2w 3d`); negative durations read `0s`.
    public static func format(_ duration: Duration) -> String {
        let milliseconds = wholeMilliseconds(duration)
        if milliseconds <= 0 { return "0s" }
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        let units = Unit.allCases.filter { $0 != .week && $0 != .millisecond }
        var remaining = milliseconds
        for (position, unit) in units.enumerated() where remaining >= unit.milliseconds {
            let count = remaining / unit.milliseconds
            remaining %= unit.milliseconds
            var text = "\(count)\(unit.symbol)"
            if position + 1 < units.count {
                let next = units[position + 1]
                let nextCount = remaining / next.milliseconds
                if nextCount > 0 { text += " \(nextCount)\(next.symbol)" }
            }
            return text
        }
        return "0s"
    }

    /// The exact, compact form that `parse` reads back: `10m`, `1h30m`, `1w`, `1500ms` → `1s500ms`, `0s`.
    /// Precision below a millisecond is dropped and negative durations read `0s`.
    public static func canonical(_ duration: Duration) -> String {
        var remaining = wholeMilliseconds(duration)
        if remaining <= 0 { return "0s" }
        var text = ""
        for unit in Unit.allCases where remaining >= unit.milliseconds {
            text += "\(remaining / unit.milliseconds)\(unit.symbol)"
            remaining %= unit.milliseconds
        }
        return text
    }

    // MARK: - Implementation

    enum Unit: Int, CaseIterable {
        case week, day, hour, minute, second, millisecond

        var milliseconds: Int64 {
            switch self {
            case .week: 604_800_000
            case .day: 86_400_000
            case .hour: 3_600_000
            case .minute: 60_000
            case .second: 1000
            case .millisecond: 1
            }
        }

        var symbol: String {
            switch self {
            case .week: "w"
            case .day: "d"
            case .hour: "h"
            case .minute: "m"
            case .second: "s"
            case .millisecond: "ms"
            }
        }

        init?(lowercasedSymbol: String) {
            guard let unit = Unit.allCases.first(where: { $0.symbol == lowercasedSymbol }) else { return nil }
            self = unit
        }
    }

    /// Whole milliseconds, saturating at `Int64.max` for durations beyond that.
    static func wholeMilliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 { return 0 }
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return .max }
        let (total, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        return overflow2 ? .max : total
    }

    private static func scan(_ bytes: [UInt8]) -> Result<Int64, DurationTextError.Reason> {
        if bytes == [UInt8(ascii: "0")] { return .success(0) }
        if let reason = quickReject(bytes) { return .failure(reason) }
        var index = 0
        var total: Int64 = 0
        var previous: Unit?
        while index < bytes.count {
            let digitsStart = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            guard index > digitsStart else { return .failure(.malformed) }
            let unitStart = index
            while index < bytes.count, isLetter(bytes[index]) { index += 1 }
            guard index > unitStart else { return .failure(index == bytes.count ? .missingUnit : .malformed) }
            let symbol = String(decoding: bytes[unitStart..<index], as: UTF8.self).lowercased()
            guard let unit = Unit(lowercasedSymbol: symbol) else { return .failure(.unknownUnit) }
            if let previous, unit.rawValue <= previous.rawValue { return .failure(.unitOrder) }
            previous = unit
            guard let count = Int64(String(decoding: bytes[digitsStart..<unitStart], as: UTF8.self)) else {
                return .failure(.tooLarge)
            }
            let (part, overflow) = count.multipliedReportingOverflow(by: unit.milliseconds)
            let (sum, overflow2) = total.addingReportingOverflow(part)
            if overflow || overflow2 { return .failure(.tooLarge) }
            total = sum
        }
        return .success(total)
    }

    /// Recognises common mistakes, so that the error can say how to fix them.
    private static func quickReject(_ bytes: [UInt8]) -> DurationTextError.Reason? {
        if bytes.isEmpty { return .empty }
        let isSpace: (UInt8) -> Bool = {
            $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == 0x0A || $0 == 0x0D
        }
        if bytes.contains(where: isSpace) {
            // "1h 30m" gets a hint with the fix; "ten minutes" is just not a duration.
            let compact = bytes.filter { !isSpace($0) }
            guard !compact.isEmpty, case .success = scan(compact) else { return .malformed }
            return .whitespace(compact: String(decoding: compact, as: UTF8.self))
        }
        if bytes.first == UInt8(ascii: "-") { return .negative }
        if bytes.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ",") }) { return .fraction }
        if bytes.allSatisfy(isDigit) { return .missingUnit }
        return nil
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}

/// A duration that could not be read; `description` says what was expected, what was given and,
/// for common mistakes, how to write it instead.
public struct DurationTextError: Error, Equatable, CustomStringConvertible {
    enum Reason: Error, Equatable {
        case whitespace(compact: String)
        case empty, negative, fraction, missingUnit, unknownUnit, unitOrder, tooLarge, malformed
    }

    /// The text as given.
    public let input: String
    let reason: Reason

    /// E.g. `expected a duration like 30s, 10m, 2h or 1d, got "1.5h" (no fractions: write 1h30m)`.
    public var description: String {
        if input.isEmpty { return "\(DurationText.expectation), got nothing" }
        var text = "\(DurationText.expectation), got \(Self.quote(input))"
        if let hint { text += " (\(hint))" }
        return text
    }

    private var hint: String? {
        switch reason {
        case .whitespace(let compact): "no spaces: write \(compact)"
        case .negative: "durations cannot be negative"
        case .fraction: "no fractions: write 1h30m or 1500ms"
        case .missingUnit: "add a unit: ms, s, m, h, d or w"
        case .unknownUnit: "units are ms, s, m, h, d and w"
        case .unitOrder: "largest unit first, each unit once, e.g. 1h30m"
        case .tooLarge: "too large"
        case .empty, .malformed: nil
        }
    }

    /// A short, escaped, quoted rendering of user input for error messages.
    static func quote(_ text: String) -> String {
        let limit = 40
        let shown = text.count > limit ? String(text.prefix(limit)) + "…" : text
        return String(reflecting: shown)
    }
}
