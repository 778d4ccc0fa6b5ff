public import FedBotModels

/// Reading `/.well-known/matrix/server` and `/.well-known/matrix/support` answers, as Synapse's
/// `WellKnownResolver` and the spec read them.
public enum WellKnown {
    /// Synapse's `WELL_KNOWN_MAX_SIZE`: a bigger body is not read.
    public static let maximumBody = 50 * 1024
    /// Twisted's `RedirectAgent` default, which Synapse's well-known agent uses.
    public static let maximumRedirects = 20

    /// What a delegation file said.
    public enum Delegation: Sendable, Equatable {
        /// `m.server`: federation goes there.
        case delegated(ServerName)
        /// No file (404 or another non-200 answer, or nothing answering on 443): the normal case for a
        /// server without delegation; Synapse goes on with SRV and A/AAAA.
        case none(String)
        /// A file Synapse cannot use: it falls back as with no file, but the admin probably meant it.
        case invalid(String)
    }

    /// Synapse's reading: a 200 with a JSON object whose `m.server` is a valid server name.
    public static func delegation(status: Int, body: [UInt8]) -> Delegation {
        guard status == 200 else {
            return status >= 500 ? .invalid("well-known file answered HTTP \(status)") : .none("no well-known file (HTTP \(status))")
        }
        guard let json = JSONText.parse(body), let object = json.object else {
            return .invalid("well-known file is not a JSON object")
        }
        guard let value = object["m.server"] else { return .invalid("well-known file has no m.server") }
        guard let text = value.string, let name = ServerName(text) else {
            return .invalid("well-known m.server is not a valid server name")
        }
        return .delegated(name)
    }

    /// Support contacts from a 200 answer; nil when absent or invalid (said by `supportFinding`).
    public static func support(status: Int, body: [UInt8]) -> SupportContacts? {
        guard status == 200, let object = JSONText.parse(body)?.object else { return nil }
        var contacts: [SupportContacts.Contact] = []
        for entry in (object["contacts"]?.array ?? []).prefix(10) {
            let contact = SupportContacts.Contact(
                matrixID: entry["matrix_id"]?.string.map { $0.truncated(to: 255) },
                email: entry["email_address"]?.string.map { $0.truncated(to: 255) },
                role: entry["role"]?.string.map { $0.truncated(to: 64) })
            if contact.matrixID != nil || contact.email != nil { contacts.append(contact) }
        }
        let page = object["support_page"]?.string.map { $0.truncated(to: 500) }
        guard !contacts.isEmpty || page != nil else { return nil }
        return SupportContacts(contacts: contacts, supportPage: page)
    }

    /// The `support` finding (never failed: it does not change the verdict).
    public static func supportFinding(status: Int?, body: [UInt8], contacts: SupportContacts?) -> CheckFinding {
        if let contacts {
            let count = contacts.contacts.count
            return CheckFinding(.support, .ok, count == 0 ? "support page only" : "\(count) contact\(count == 1 ? "" : "s")")
        }
        if status == 200 { return CheckFinding(.support, .warning, "support file is invalid: publishes no contact") }
        return CheckFinding(.support, .ok, "publishes no contact")
    }
}

/// JSON text → `JSONValue` without Foundation: FedBotCore stays pure. Strict RFC 8259, depth-limited.
public enum JSONText {
    public static func parse(_ bytes: [UInt8]) -> JSONValue? {
        var parser = Parser(bytes: bytes)
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipSpace()
        return parser.index == bytes.count ? value : nil
    }

    struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func literal(_ word: String, _ value: JSONValue) -> JSONValue? {
            let expected = Array(word.utf8)
            guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected
            else { return nil }
            index += expected.count
            return value
        }

        mutating func value(depth: Int) -> JSONValue? {
            guard depth < 64 else { return nil }
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "["): return array(depth: depth)
            case UInt8(ascii: "\""): return string().map(JSONValue.string)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            default: return number()
            }
        }

        mutating func object(depth: Int) -> JSONValue? {
            index += 1
            var members: [String: JSONValue] = [:]
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let member = value(depth: depth + 1) else { return nil }
                members[key] = member
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                } else {
                    return nil
                }
            }
        }

        mutating func array(depth: Int) -> JSONValue? {
            index += 1
            var items: [JSONValue] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                guard let item = value(depth: depth + 1) else { return nil }
                items.append(item)
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(items)
                } else {
                    return nil
                }
            }
        }

        mutating func hex4() -> UInt32? {
            guard bytes.count - index >= 4 else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = Character(Unicode.Scalar(bytes[index])).hexDigitValue else { return nil }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }

        mutating func string() -> String? {
            index += 1
            var scalars = String.UnicodeScalarView()
            var run: [UInt8] = []
            func flush(_ run: inout [UInt8], into scalars: inout String.UnicodeScalarView) -> Bool {
                guard !run.isEmpty else { return true }
                guard let text = String(validating: run, as: UTF8.self) else { return false }
                scalars.append(contentsOf: text.unicodeScalars)
                run.removeAll(keepingCapacity: true)
                return true
            }
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\"") {
                    guard flush(&run, into: &scalars) else { return nil }
                    return String(scalars)
                }
                if byte < 0x20 { return nil }
                guard byte == UInt8(ascii: "\\") else {
                    run.append(byte)
                    continue
                }
                guard flush(&run, into: &scalars), index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    guard var code = hex4() else { return nil }
                    if (0xD800...0xDBFF).contains(code), bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u")
                    {
                        index += 2
                        guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { return nil }
                    scalars.append(scalar)
                default: return nil
                }
            }
            return nil
        }

        mutating func number() -> JSONValue? {
            let start = index
            while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
            guard index > start, let text = String(validating: bytes[start..<index], as: UTF8.self),
                let value = Double(text)
            else { return nil }
            return .number(value)
        }
    }
}
