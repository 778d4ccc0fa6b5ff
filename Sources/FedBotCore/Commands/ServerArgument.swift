public import FedBotModels

/// Turns what people paste into a chat into a server name: `example.org`, `example.org:8448`,
/// `1.2.3.4:8448`, `[::1]:8448`, a user ID, a room alias or room ID, an `https://` URL, a matrix.to
/// link or a `matrix:` URI.
public enum ServerArgument {
    /// What a SERVER argument may be, for error messages.
    public static let expectation =
        "a server name like example.org or example.org:8448 (a user ID, room alias, URL or matrix.to link works too)"

    /// The server name in `text`, or nil when there is none.
    public static func parse(_ text: String) -> ServerName? {
        var input = Substring(text)
        // Wrapping people add or clients keep: `name`, <name>, "name", 'name'.
        for (open, close) in [("`", "`"), ("<", ">"), ("\"", "\""), ("'", "'")] {
            if input.count >= 2, input.hasPrefix(open), input.hasSuffix(close) {
                input = input.dropFirst().dropLast()
            }
        }
        let candidate = String(input)
        if let name = ServerName(candidate) { return name }
        // A fully qualified name with the root dot: example.org.
        if candidate.hasSuffix("."), let name = ServerName(String(candidate.dropLast())) { return name }
        if let user = UserID(candidate) { return user.server }
        if let alias = RoomAlias(candidate) { return alias.server }
        if let room = RoomID(candidate), let server = room.server { return server }
        let lowered = candidate.lowercased()
        if lowered.hasPrefix("https://matrix.to/#/") || lowered.hasPrefix("http://matrix.to/#/") {
            return fromMatrixTo(candidate)
        }
        if lowered.hasPrefix("matrix:") {
            return fromMatrixURI(candidate)
        }
        if lowered.hasPrefix("https://") || lowered.hasPrefix("http://") {
            // A client's own permalink (Element: https://app.element.io/#/room/#ops:example.org) names the
            // ID after "#/"; anything else is the URL's host.
            if let fragment = candidate.firstRange(of: "#/") {
                var identifier = String(candidate[fragment.upperBound...])
                for prefix in ["user/", "room/"] where identifier.hasPrefix(prefix) {
                    identifier.removeFirst(prefix.count)
                }
                if let server = fromMatrixTo("#/" + identifier) { return server }
            }
            return fromURL(candidate)
        }
        return nil
    }

    /// `https://matrix.to/#/@alice:example.org`, `…/#/#room:example.org?via=…`, `…/#/!id:example.org/$event`.
    static func fromMatrixTo(_ link: String) -> ServerName? {
        guard let hash = link.firstRange(of: "#/") else { return nil }
        var identifier = String(link[hash.upperBound...])
        if let query = identifier.firstIndex(of: "?") {
            let via = viaServer(String(identifier[identifier.index(after: query)...]))
            identifier = String(identifier[..<query])
            if identifier.hasPrefix("!"), RoomID(decoded(firstSegment(identifier)))?.server == nil, let via {
                return via
            }
        }
        let first = decoded(firstSegment(identifier))
        if let user = UserID(first) { return user.server }
        if let alias = RoomAlias(first) { return alias.server }
        if let room = RoomID(first), let server = room.server { return server }
        return nil
    }

    /// `matrix:u/alice:example.org`, `matrix:r/room:example.org`, `matrix:roomid/id:example.org?via=…`.
    static func fromMatrixURI(_ uri: String) -> ServerName? {
        let body = uri.dropFirst("matrix:".count)
        var path = String(body)
        var via: ServerName?
        if let query = path.firstIndex(of: "?") {
            via = viaServer(String(path[path.index(after: query)...]))
            path = String(path[..<query])
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count >= 2 else { return nil }
        let id = decoded(String(parts[1]))
        switch parts[0] {
        case "u": return UserID("@" + id)?.server
        case "r": return RoomAlias("#" + id)?.server
        case "roomid": return RoomID("!" + id)?.server ?? via
        default: return nil
        }
    }

    /// `https://host[:port]/anything` → `host[:port]`.
    static func fromURL(_ url: String) -> ServerName? {
        guard let scheme = url.firstRange(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        // Drop user info if any.
        let hostPort = authority.split(separator: "@").last.map(String.init) ?? ""
        return ServerName(hostPort)
    }

    private static func firstSegment(_ text: String) -> String {
        String(text.prefix { $0 != "/" })
    }

    private static func viaServer(_ query: String) -> ServerName? {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == "via" { return ServerName(decoded(String(parts[1]))) }
        }
        return nil
    }

    /// Percent-decoding for the few characters matrix.to links encode (`%3A`, `%40`, `%23`, `%21`, …).
    static func decoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        let input = Array(text.utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
                let value = UInt8(String(decoding: input[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
