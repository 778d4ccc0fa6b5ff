import FedBotModels
import Foundation
import Yams

/// Edits one list in a config file's YAML text, keeping every other line — comments, order, quoting and
/// secrets — as it was. Only block-style sections are edited (`bot:` on its own line, its keys indented
/// below); the result is parsed again and must differ from the original in that key alone, or nothing
/// is returned. Pure: text in, text out.
enum ConfigRewriter {
    /// Why the file cannot be edited; `description` completes "cannot edit PATH: …".
    struct Failure: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// `yaml` with `section.key` set to a flow list of `values` (double-quoted), added when missing.
    static func setting(section: String, key: String, to values: [String], in yaml: String) throws(Failure)
        -> String
    {
        var lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let list = "[" + values.map { String(reflecting: $0) }.joined(separator: ", ") + "]"
        guard let header = lines.firstIndex(where: { isHeader($0, section) }) else {
            // No such section: append one.
            while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
            lines += ["", "\(section):", "  \(key): \(list)", ""]
            return try verified(lines.joined(separator: "\n"), original: yaml, section: section, key: key, values)
        }
        let end = lines[(header + 1)...].firstIndex { !isBlankOrComment($0) && indentation($0) == 0 } ?? lines.count
        let keyLines = (header + 1)..<end
        let keyIndent = keyLines.first { !isBlankOrComment(lines[$0]) }.map { indentation(lines[$0]) } ?? 2
        let pad = String(repeating: " ", count: keyIndent)
        guard
            let line = keyLines.first(where: {
                indentation(lines[$0]) == keyIndent && lines[$0].dropFirst(keyIndent).hasPrefix("\(key):")
            })
        else {
            lines.insert("\(pad)\(key): \(list)", at: header + 1)
            return try verified(lines.joined(separator: "\n"), original: yaml, section: section, key: key, values)
        }
        // The old value: the rest of the key's line and the lines below it that are indented more (or are
        // `- item` lines at the key's own indentation); comments after the last of them stay.
        var last = line
        var index = line + 1
        while index < end {
            let text = lines[index]
            if isBlankOrComment(text) {
                index += 1
                continue
            }
            let indent = indentation(text)
            guard indent > keyIndent || (indent == keyIndent && text.dropFirst(indent).hasPrefix("-")) else { break }
            last = index
            index += 1
        }
        let comment = inlineComment(String(lines[line].dropFirst(keyIndent + key.count + 1)))
        lines.replaceSubrange(line...last, with: ["\(pad)\(key): \(list)" + (comment.map { "  " + $0 } ?? "")])
        return try verified(lines.joined(separator: "\n"), original: yaml, section: section, key: key, values)
    }

    /// The list at `section.key` as written (scalars only), nil when absent or not a list.
    static func list(section: String, key: String, in yaml: String) -> [String]? {
        guard let root = try? Yams.compose(yaml: yaml), case .array(let items)? = plain(root)[section]?[key] else {
            return nil
        }
        return items.compactMap(\.string)
    }

    // MARK: - Checking the result

    private static func verified(
        _ text: String, original: String, section: String, key: String, _ values: [String]
    ) throws(Failure) -> String {
        let before: JSONValue
        let after: JSONValue
        do {
            before = try Yams.compose(yaml: original).map(plain) ?? .null
            after = try Yams.compose(yaml: text).map(plain) ?? .null
        } catch {
            throw Failure(description: "its YAML could not be edited safely (\(section).\(key)): \(error)")
        }
        guard after[section]?[key] == .array(values.map(JSONValue.string)),
            removing(section, key, from: before) == removing(section, key, from: after)
        else {
            throw Failure(
                description:
                    "\(section).\(key) is written in a form fedbot does not edit (a flow mapping, an anchor, "
                    + "a multi-document file…): put the printed lines in by hand")
        }
        return text
    }

    /// A YAML node as plain values (scalars as their text), to compare two files' meaning.
    private static func plain(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            return node.tag.rawValue == Tag.Name.null.rawValue ? .null : .string(scalar.string)
        case .sequence(let sequence): return .array(sequence.map(plain))
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping { object[key.scalar?.string ?? "?"] = plain(value) }
            return .object(object)
        case .alias: return .string("*alias")
        }
    }

    private static func removing(_ section: String, _ key: String, from value: JSONValue) -> JSONValue {
        guard var root = value.object else { return value }
        guard var keys = root[section]?.object else {
            root[section] = nil
            return .object(root)
        }
        keys[key] = nil
        root[section] = keys.isEmpty ? nil : .object(keys)
        return .object(root)
    }

    // MARK: - Lines

    private static func isHeader(_ line: String, _ section: String) -> Bool {
        guard line.hasPrefix("\(section):") else { return false }
        let rest = line.dropFirst(section.count + 1).trimmingCharacters(in: .whitespaces)
        return rest.isEmpty || rest.hasPrefix("#")
    }

    private static func isBlankOrComment(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty || trimmed.hasPrefix("#")
    }

    private static func indentation(_ line: String) -> Int {
        line.prefix { $0 == " " }.count
    }

    /// A `# comment` at the end of a value (a `#` after a space, outside quotes), if any.
    static func inlineComment(_ value: String) -> String? {
        var quote: Character?
        var previous: Character = " "
        var index = value.startIndex
        while index < value.endIndex {
            let character = value[index]
            if let open = quote {
                if character == "\\" && open == "\"" {
                    index = value.index(after: index)
                } else if character == open {
                    quote = nil
                }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#" && (previous == " " || previous == "\t") {
                return String(value[index...]).trimmingCharacters(in: .whitespaces)
            }
            previous = character
            if index < value.endIndex { index = value.index(after: index) }
        }
        return nil
    }
}
