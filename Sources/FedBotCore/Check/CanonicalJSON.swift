public import FedBotModels

/// The spec's canonical JSON (appendix "Signing JSON"): no insignificant whitespace, object keys sorted by
/// code point, UTF-8 without `\u` escapes except for control characters, integers only (within ±(2^53 − 1)).
/// It is what a server signs, so the bot encodes a key response exactly so to verify its signature.
public enum CanonicalJSON {
    /// Why a value has no canonical form.
    public enum Problem: Error, Equatable, Sendable {
        /// A number that is not an integer within ±(2^53 − 1).
        case notAnInteger
    }

    public static func encode(_ value: JSONValue) throws(Problem) -> String {
        var output = ""
        try append(value, to: &output)
        return output
    }

    static func append(_ value: JSONValue, to output: inout String) throws(Problem) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .number(let number):
            guard number.rounded() == number, abs(number) <= 9_007_199_254_740_991 else { throw .notAnInteger }
            output += String(Int64(number))
        case .string(let text): appendString(text, to: &output)
        case .array(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                try append(item, to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            let keys = members.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
            for (index, key) in keys.enumerated() {
                if index > 0 { output += "," }
                appendString(key, to: &output)
                output += ":"
                if let member = members[key] { try append(member, to: &output) }
            }
            output += "}"
        }
    }

    /// Escapes as Python's `json.dumps(ensure_ascii=False)` does, which the reference implementation uses.
    static func appendString(_ text: String, to output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
