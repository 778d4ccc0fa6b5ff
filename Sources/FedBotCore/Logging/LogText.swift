/// Text that came from a server or a user, made safe for one log line.
public enum LogText {
    /// The longest text a log field keeps, in characters (longer text is cut and ends with "…").
    public static let maxLength = 256

    /// `text` with every character that could forge or hide log lines escaped as `\u{…}`: control
    /// characters (newlines, carriage returns, escape sequences), line and paragraph separators, and
    /// format characters (bidirectional overrides, zero-width characters). Cut at `maxLength` characters.
    public static func sanitized(_ text: some StringProtocol, maxLength: Int = LogText.maxLength) -> String {
        var result = ""
        var kept = 0
        for character in text {
            guard kept < maxLength else {
                result += "…"
                break
            }
            kept += 1
            if character.unicodeScalars.contains(where: isUnsafe) {
                for scalar in character.unicodeScalars {
                    result += isUnsafe(scalar) ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
                }
            } else {
                result.append(character)
            }
        }
        return result
    }

    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned: true
        default: false
        }
    }
}
