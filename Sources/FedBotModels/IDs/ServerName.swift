/// A Matrix server name: `hostname [":" port]`, where hostname is a DNS name, an IPv4 literal or a
/// bracketed IPv6 literal (spec appendix "Server Name").
///
/// Server names are case-sensitive: `Example.org` and `example.org` are different destinations in
/// Synapse's tables, so the name is kept exactly as given.
public struct ServerName: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The name as written, e.g. `example.org:8448`.
    public let rawValue: String
    /// The host part without the port (an IPv6 literal keeps its brackets).
    public let host: String
    /// The explicit port, if any.
    public let port: Int?

    /// Parses and validates a server name; `nil` when it does not follow the grammar.
    public init?(_ string: String) {
        guard let parsed = Self.parse(string) else { return nil }
        self = parsed
    }

    private init(rawValue: String, host: String, port: Int?) {
        self.rawValue = rawValue
        self.host = host
        self.port = port
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = Self.parse(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "Not a server name: \(text)")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static func < (lhs: ServerName, rhs: ServerName) -> Bool {
        // Byte order, the order of Synapse's `ORDER BY destination` under the C collation it requires.
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }

    /// The longest name the spec recommends (230) with headroom for a port.
    static let maximumLength = 255

    private static func parse(_ string: String) -> ServerName? {
        guard !string.isEmpty, string.utf8.count <= maximumLength else { return nil }
        let host: Substring
        var portText: Substring?
        if string.hasPrefix("[") {
            guard let close = string.firstIndex(of: "]") else { return nil }
            host = string[string.startIndex...close]
            let rest = string[string.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { return nil }
                portText = rest.dropFirst()
            }
            guard isIPv6Literal(host.dropFirst().dropLast()) else { return nil }
        } else {
            let parts = string.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = parts[0]
            if parts.count == 2 { portText = parts[1] }
            guard isIPv4Literal(host) || isDNSName(host) else { return nil }
        }
        var port: Int?
        if let portText {
            guard (1...5).contains(portText.count), portText.allSatisfy(\.isASCIIDigit),
                let value = Int(portText), (1...65535).contains(value)
            else { return nil }
            port = value
        }
        return ServerName(rawValue: string, host: String(host), port: port)
    }

    /// Four decimal octets 0…255.
    static func isIPv4Literal(_ text: Substring) -> Bool {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        return octets.allSatisfy { octet in
            (1...3).contains(octet.count) && octet.allSatisfy(\.isASCIIDigit) && (Int(octet) ?? 256) <= 255
        }
    }

    /// Labels of letters, digits and hyphens separated by single dots; no empty label, no trailing dot.
    /// An all-numeric dotted name that is not a valid IPv4 literal (`1.2.3.999`) is rejected too.
    static func isDNSName(_ text: Substring) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !labels.isEmpty else { return false }
        for label in labels {
            guard !label.isEmpty, label.count <= 63,
                label.allSatisfy({ $0.isASCIILetterOrDigit || $0 == "-" })
            else { return false }
        }
        let allNumeric = labels.allSatisfy { $0.allSatisfy(\.isASCIIDigit) }
        return !(allNumeric && labels.count == 4)
    }

    /// RFC 4291 text form: up to eight groups of 1–4 hex digits, at most one `::`, optionally ending
    /// in an embedded IPv4 literal.
    static func isIPv6Literal(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.count <= 45 else { return false }
        var groups = 0
        var body = text
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard isIPv4Literal(text[text.index(after: lastColon)...]) else { return false }
            groups += 2
            body = text[...lastColon]
            // Keep a trailing "::" intact, otherwise drop the lone separator before the IPv4 part.
            if !body.hasSuffix("::") { body = body.dropLast() }
        }
        let doubleColons = body.ranges(of: "::").count
        guard doubleColons <= 1 else { return false }
        if body.isEmpty { return false }
        let pieces = body.split(separator: ":", omittingEmptySubsequences: false)
        var emptyPieces = 0
        for piece in pieces {
            if piece.isEmpty {
                emptyPieces += 1
                continue
            }
            guard piece.count <= 4, piece.allSatisfy(\.isHexDigit), piece.allSatisfy(\.isASCII) else { return false }
            groups += 1
        }
        if doubleColons == 1 {
            // "::" alone gives 3 empty pieces, "::1" and "1::" give 2, "1::2" gives 1.
            guard emptyPieces <= 3 else { return false }
            if body == "::" { return groups <= 8 }
            if body.hasPrefix("::") || body.hasSuffix("::") {
                guard emptyPieces == 2 else { return false }
            } else {
                guard emptyPieces == 1 else { return false }
            }
            return groups <= 7
        }
        return emptyPieces == 0 && groups == 8
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIILetterOrDigit: Bool { isASCII && (isLetter || isNumber) }
}
