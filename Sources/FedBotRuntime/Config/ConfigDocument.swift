import FedBotCore
import Yams

/// The config file's YAML checked against the known keys: values by key path (`bot.prefix`) and the
/// problems found so far. Typed getters add a problem and return nil when a value is unusable.
///
/// A key with an empty or `null` value counts as absent. Values of secret keys, and anything that
/// looks like an access token, are never quoted in problems.
struct ConfigDocument {
    /// Sections and their keys, in the order of DESIGN.md and of the example config.
    static let schema: [(section: String, keys: [String])] = [
        ("homeserver", ["url", "access_token", "access_token_file"]),
        ("admin_api", ["url", "access_token", "access_token_file"]),
        ("bot", ["prefix", "rooms", "operators", "min_power_level", "max_command_age"]),
        ("notices", ["rooms", "interval", "min_failing", "ignore", "remind_every"]),
        ("storage", ["path", "retention"]),
        ("metrics", ["listen"]),
        ("diagnostics", ["resolver", "ca_file", "timeout", "on_notices", "allow_ranges"]),
        ("probes", ["servers", "top_shared", "interval", "failures", "stuck_after", "auto_reset"]),
    ]

    /// Every known key path, e.g. `bot.prefix`.
    static var allKeyPaths: [String] {
        schema.flatMap { section in section.keys.map { "\(section.section).\($0)" } }
    }

    static let secretKeys: Set<String> = ["homeserver.access_token", "admin_api.access_token"]

    private var values: [String: Node] = [:]
    private(set) var problems: [String] = []
    /// The top level is not a mapping: nothing else is worth reporting.
    private(set) var isUnusable = false

    init(root: Node?) {
        guard let root, !Self.isNull(root) else { return }
        guard case .mapping(let mapping) = root else {
            let sections = Self.schema.map(\.section).joined(separator: ", ")
            problems.append("expected a mapping of sections (\(sections)) at the top level, got \(Self.kind(root))")
            isUnusable = true
            return
        }
        for (keyNode, value) in mapping {
            let name = keyNode.scalar?.string ?? "?"
            guard let section = Self.schema.first(where: { $0.section == name }) else {
                problems.append(Self.unknownKey(name, in: nil))
                continue
            }
            if Self.isNull(value) { continue }
            guard case .mapping(let keys) = value else {
                let list = section.keys.joined(separator: ", ")
                problems.append("\(name): expected a mapping with the keys \(list), got \(Self.kind(value))")
                continue
            }
            for (subKeyNode, subValue) in keys {
                let subName = subKeyNode.scalar?.string ?? "?"
                guard section.keys.contains(subName) else {
                    problems.append(Self.unknownKey(subName, in: name))
                    continue
                }
                if !Self.isNull(subValue) { values["\(name).\(subName)"] = subValue }
            }
        }
    }

    /// Whether the key has a non-null value.
    func isSet(_ path: String) -> Bool { values[path] != nil }

    mutating func addProblem(_ problem: String) { problems.append(problem) }

    /// A scalar's text exactly as written (YAML numbers and booleans included); nil when absent or unusable.
    mutating func string(_ path: String, expected: String = "a string") -> String? {
        guard let node = values[path] else { return nil }
        return scalarText(node, at: path, expected: expected)
    }

    /// A scalar parsed by `parse`; a problem `path: expected <expected>, got "<text>"` when it fails.
    mutating func value<T>(_ path: String, expected: String, parse: (String) -> T?) -> T? {
        guard let text = string(path, expected: expected) else { return nil }
        if let value = parse(text) { return value }
        problems.append("\(path): expected \(expected), got \(quoted(text, at: path))")
        return nil
    }

    /// A list whose items are parsed by `parse`; each bad item is its own problem (`bot.rooms[1]: …`).
    /// `listOf` names the items in the plural, `expected` describes one. Nil when absent or not a list.
    mutating func list<T>(_ path: String, listOf: String, expected: String, parse: (String) -> T?) -> [T]? {
        guard let node = values[path] else { return nil }
        guard case .sequence(let sequence) = node else {
            var problem = "\(path): expected a list of \(listOf), got \(Self.kind(node, quoting: true))"
            if let text = node.scalar?.string, !Self.looksLikeToken(text), text.count <= 40 {
                problem += " (write a list: [\(String(reflecting: text))])"
            }
            problems.append(problem)
            return nil
        }
        var items: [T] = []
        for (index, item) in sequence.enumerated() {
            let itemPath = "\(path)[\(index)]"
            if Self.isNull(item) {
                problems.append(
                    "\(itemPath): expected \(expected), got nothing (quote values that start with #: "
                        + "YAML reads the rest of the line as a comment)")
                continue
            }
            guard let text = scalarText(item, at: itemPath, expected: expected) else { continue }
            if let value = parse(text) {
                items.append(value)
            } else {
                problems.append("\(itemPath): expected \(expected), got \(quoted(text, at: itemPath))")
            }
        }
        return items
    }

    /// An integer (decimal, or any YAML integer form).
    mutating func int(_ path: String) -> Int? {
        guard let node = values[path], let text = scalarText(node, at: path, expected: "an integer") else { return nil }
        if let value = Int(text) ?? (node.tag.rawValue == Tag.Name.int.rawValue ? node.int : nil) { return value }
        problems.append("\(path): expected an integer, got \(quoted(text, at: path))")
        return nil
    }

    /// A boolean: `true` or `false` (YAML 1.2 core schema; also `yes`/`no`, `on`/`off`, any case).
    mutating func bool(_ path: String) -> Bool? {
        guard let node = values[path], let text = scalarText(node, at: path, expected: "true or false") else {
            return nil
        }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            problems.append("\(path): expected true or false, got \(quoted(text, at: path))")
            return nil
        }
    }

    /// A duration in `DurationText` form.
    mutating func duration(_ path: String) -> Duration? {
        guard let node = values[path], let text = scalarText(node, at: path, expected: "a duration") else {
            return nil
        }
        do {
            return try DurationText.parseOrThrow(text)
        } catch {
            problems.append("\(path): \(Self.looksLikeToken(text) ? DurationText.expectation : error.description)")
            return nil
        }
    }

    // MARK: - Messages

    private mutating func scalarText(_ node: Node, at path: String, expected: String) -> String? {
        guard case .scalar(let scalar) = node else {
            problems.append("\(path): expected \(expected), got \(Self.kind(node))")
            return nil
        }
        let tag = scalar.tag.rawValue
        if tag.hasPrefix("!"), tag != "!" {
            // `prefix: !fed` or `- !abc:example.org`: YAML takes the leading `!…` for a tag.
            let written = scalar.string.isEmpty ? tag : "\(tag) \(scalar.string)"
            if Self.secretKeys.contains(path) || Self.looksLikeToken(written) {
                problems.append("\(path): YAML reads a value starting with ! as a tag: put the value in quotes")
            } else {
                problems.append(
                    "\(path): YAML reads \(written) as a tag: put the value in quotes, "
                        + "e.g. \(String(reflecting: written))"
                )
            }
            return nil
        }
        return scalar.string
    }

    /// `"text"` (escaped, shortened), or a neutral phrase for secrets.
    func quoted(_ text: String, at path: String) -> String {
        if Self.secretKeys.contains(path) { return "a value that is not shown" }
        if Self.looksLikeToken(text) { return "a value that looks like an access token (not shown)" }
        return Self.quote(text)
    }

    /// A short, escaped, quoted rendering of a value: at most 40 characters.
    static func quote(_ text: String) -> String {
        let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return String(reflecting: shown)
    }

    static func kind(_ node: Node, quoting: Bool = false) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull(node) { return "nothing" }
            if quoting, !looksLikeToken(scalar.string) { return "\(quote(scalar.string))" }
            return "a single value"
        }
    }

    static func isNull(_ node: Node) -> Bool {
        node.scalar != nil && node.tag.rawValue == Tag.Name.null.rawValue
    }

    /// Synapse and MAS token prefixes, or a long run of base64-ish characters: not echoed in errors.
    static func looksLikeToken(_ text: String) -> Bool {
        let prefixes = ["syt_", "syr_", "mat_", "mar_", "mct_", "mcr_"]
        if prefixes.contains(where: { text.hasPrefix($0) }) { return true }
        let tokenCharacters = text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "_-+/=".unicodeScalars.contains($0)
        }
        return text.count >= 24 && tokenCharacters
    }

    static func unknownKey(_ key: String, in section: String?) -> String {
        let shown = displayKey(key)
        let path = section.map { "\($0).\(shown)" } ?? shown
        let siblings = section.flatMap { name in schema.first { $0.section == name }?.keys } ?? schema.map(\.section)
        if let match = KeySuggestion.closest(to: key, among: siblings) {
            return "\(path): unknown key, did you mean \(section.map { "\($0).\(match)" } ?? match)?"
        }
        // The right key in the wrong place: `bot.interval` → `notices.interval`, top-level `prefix` → `bot.prefix`.
        let elsewhere = allKeyPaths.filter { candidate in
            candidate.split(separator: ".").last.map { KeySuggestion.normalize(String($0)) }
                == KeySuggestion.normalize(key)
        }
        if !elsewhere.isEmpty {
            return "\(path): unknown key, did you mean \(elsewhere.joined(separator: " or "))?"
        }
        if let section {
            return "\(path): unknown key (keys in \(section): \(siblings.joined(separator: ", ")))"
        }
        return "\(path): unknown key (sections: \(siblings.joined(separator: ", ")))"
    }

    /// Unknown keys are shown up to the first unusual character and at most 32 characters, so that a
    /// pasted token that became a key is not printed in full.
    static func displayKey(_ key: String) -> String {
        if looksLikeToken(key) { return "<key not shown: looks like a token>" }
        let allowed = key.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
        let shown = allowed.prefix(32)
        if shown.isEmpty { return "(a key with unusual characters)" }
        return shown.count < key.count ? shown + "…" : String(shown)
    }
}
