/// Every command word, with the usage and help text the bot shows.
public enum CommandName: String, CaseIterable, Sendable, Comparable {
    case help, list, show, rooms, reset, status, mute, unmute, incidents

    public static func < (lhs: CommandName, rhs: CommandName) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }

    /// Arguments after the command word.
    public var arguments: String {
        switch self {
        case .help: "[command]"
        case .list:
            "[failing|healthy|all] [TEXT] [--sort name|failure|retry|last-success] [--desc] [--limit N] [--page N]"
        case .show: "SERVER"
        case .rooms: "SERVER [--limit N] [--page N]"
        case .reset: "SERVER"
        case .status: ""
        case .mute: "SERVER [DURATION]"
        case .unmute: "SERVER"
        case .incidents: ""
        }
    }

    /// One line for the command overview.
    public var summary: String {
        switch self {
        case .help: "usage of a command"
        case .list: "destinations, failing first"
        case .show: "one destination in detail"
        case .rooms: "rooms shared with a server"
        case .reset: "retry a failing server now"
        case .status: "bot and homeserver health"
        case .mute: "no failure notices for a server (default 24h)"
        case .unmute: "notices for a server again"
        case .incidents: "open incidents, oldest first"
        }
    }

    /// Extra lines for `help COMMAND`.
    public var details: [String] {
        switch self {
        case .help:
            ["Without a command: the list of commands."]
        case .list:
            [
                "Counts first, then at most 20 destinations: failing ones first (oldest failure first), then the others by name.",
                "TEXT keeps names containing it (case-insensitive).",
                "--sort orders by name, failure time, retry interval or last successful delivery; --desc reverses.",
                "--limit takes 1 to 1000, --page counts from 1.",
            ]
        case .show:
            [
                "State, failing since (UTC and how long ago), retry interval, next retry, last successful delivery and shared rooms.",
                "SERVER may be example.org, example.org:8448, [::1]:8448, a user ID, a room alias or a matrix.to link.",
            ]
        case .rooms:
            ["Rooms this homeserver shares with SERVER, with name, alias and member count where known."]
        case .reset:
            [
                "Clears Synapse's retry backoff for SERVER so that it is tried again at once.",
                "Only a failing server can be reset; I check again shortly after and report the result.",
            ]
        case .status:
            ["Whether the homeserver and its admin API answer, the last federation poll, counts and open incidents."]
        case .mute:
            ["DURATION like 30m, 2h or 7d (default 24h). Muted servers get no failure or recovery notices."]
        case .unmute:
            ["Ends a mute early."]
        case .incidents:
            ["Servers currently failing that I have announced or am tracking, oldest first."]
        }
    }

    /// `!fed list [failing|healthy|all] …`
    public func usage(prefix: String) -> String {
        arguments.isEmpty ? "\(prefix) \(rawValue)" : "\(prefix) \(rawValue) \(arguments)"
    }

    /// The closest command word to `word` (edit distance ≤ 2, or a unique prefix), for "did you mean".
    public static func suggestion(for word: String) -> CommandName? {
        let word = word.lowercased()
        let prefixed = allCases.filter { $0.rawValue.hasPrefix(word) }
        if word.count >= 2, prefixed.count == 1 { return prefixed[0] }
        let scored = allCases.map { ($0, EditDistance.between(word, $0.rawValue)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(1, min(2, word.count / 2)) else { return nil }
        return best.0
    }
}

/// Levenshtein distance, for "did you mean" suggestions on short words.
public enum EditDistance {
    public static func between(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs.unicodeScalars)
        let b = Array(rhs.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
