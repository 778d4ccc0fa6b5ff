import FedBotLab
import Foundation
import Testing

/// `scripts/fedbotlab/protocol.schema.json` is the one description of what `scripts/lab` prints: the Python side checks
/// every document against it before printing it, and here every example of a definition marked `x-swift` is decoded
/// into that Swift type and encoded back. It must come out as it went in, so a key renamed, dropped or added on either
/// side fails one of the two checks. (Absent and null are the same to an optional; the schema's own tests make sure
/// every property appears non-null in some example.)
@Suite
struct LabProtocolTests {
    /// The Swift type of each `x-swift` name in the schema.
    static let types: [String: any (Codable & Sendable).Type] = [
        "LabInfo": LabInfo.self,
        "LabServer": LabServer.self,
        "LabUsers": LabUsers.self,
        "LabUser": LabUser.self,
        "LabPostgres": LabPostgres.self,
        "LabSupervisor": LabSupervisor.self,
        "LabSynthetic": LabSynthetic.self,
        "LabBState": LabBState.self,
        "LabTraffic": LabTraffic.self,
        "LabWaitResult": LabWaitResult.self,
        "LabDestination": LabDestination.self,
        "LabSQLResult": LabSQLResult.self,
        "LabSQLValue": LabSQLValue.self,
        "LabFailure": LabFailure.self,
        "LabFaultProxyInfo": LabFaultProxyInfo.self,
        "LabFaultProxyStats": LabFaultProxyStats.self,
        "LabFaultProxyRequest": LabFaultProxyRequest.self,
        "LabInternet": LabInternet.self,
        "LabInternetCase": LabInternetCase.self,
    ]

    /// A definition of the schema that Swift decodes.
    struct Definition {
        var name: String
        var swiftType: String
        /// Each example as JSON text.
        var examples: [Data]
    }

    static func definitions() throws -> [Definition] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Lab.protocolSchemaPath))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let defs = try #require(root["$defs"] as? [String: [String: Any]])
        return try defs.sorted { $0.key < $1.key }.compactMap { name, def in
            guard let swiftType = def["x-swift"] as? String else { return nil }
            let examples = try (def["examples"] as? [Any] ?? []).map {
                try JSONSerialization.data(withJSONObject: $0, options: [.fragmentsAllowed, .sortedKeys])
            }
            return Definition(name: name, swiftType: swiftType, examples: examples)
        }
    }

    @Test("every definition marked x-swift names a type in this table, and every type here is marked")
    func everySwiftTypeIsInTheSchema() throws {
        let marked = try Self.definitions().map(\.swiftType)
        #expect(marked.sorted() == Self.types.keys.sorted())
        #expect(Set(marked).count == marked.count, "a Swift type is named by two definitions")
    }

    @Test("each example decodes into its Swift type and encodes back to the same JSON")
    func examplesRoundTrip() throws {
        let definitions = try Self.definitions()
        #expect(definitions.flatMap(\.examples).count >= 20)
        for definition in definitions {
            let type = try #require(Self.types[definition.swiftType], "no Swift type \(definition.swiftType)")
            #expect(!definition.examples.isEmpty, "\(definition.name) has no examples")
            for (index, example) in definition.examples.enumerated() {
                let label = "\(definition.name) example \(index + 1) as \(definition.swiftType)"
                let encoded: Data
                do {
                    encoded = try Self.roundTrip(type, example)
                } catch {
                    Issue.record("\(label) does not decode: \(error)\n\(String(decoding: example, as: UTF8.self))")
                    continue
                }
                let expected = try JSONDecoder().decode(JSONValue.self, from: example).withoutNulls
                let actual = try JSONDecoder().decode(JSONValue.self, from: encoded).withoutNulls
                let changes = expected.differences(to: actual)
                #expect(changes.isEmpty, "\(label) changes when Swift encodes it again: \(changes)")
            }
        }
    }

    @Test("every property of each Swift type is set by some example: Swift waits for no key the schema lacks")
    func everySwiftPropertyIsInTheSchema() throws {
        for definition in try Self.definitions() {
            let type = try #require(Self.types[definition.swiftType])
            var properties: Set<String> = []
            var set: Set<String> = []
            for example in definition.examples {
                let mirror = Mirror(reflecting: try Self.decode(type, example))
                guard mirror.displayStyle == .struct else { continue }  // LabSQLValue: an enum of scalars
                for case (let label?, let value) in mirror.children {
                    properties.insert(label)
                    let inner = Mirror(reflecting: value)
                    if inner.displayStyle != .optional || !inner.children.isEmpty { set.insert(label) }
                }
            }
            let unset = properties.subtracting(set).sorted()
            #expect(unset.isEmpty, "\(definition.swiftType) properties no example of \(definition.name) sets: \(unset)")
        }
    }

    @Test("a key renamed in the schema's example fails to decode or to round-trip")
    func aRenamedKeyFails() throws {
        let data = Data(#"{"sent": 1, "room": "!r", "event_ids": ["$e"]}"#.utf8)
        #expect(throws: DecodingError.self) { try Self.roundTrip(LabTraffic.self, data) }
        let info = try #require(try Self.definitions().first { $0.name == "lab" }?.examples.last)
        var object = try #require(try JSONSerialization.jsonObject(with: info) as? [String: Any])
        object["timing"] = object.removeValue(forKey: "timings")  // optional in Swift: decodes, but drops it
        let renamed = try JSONSerialization.data(withJSONObject: object)
        let back = try JSONDecoder().decode(JSONValue.self, from: try Self.roundTrip(LabInfo.self, renamed))
        #expect(try back.withoutNulls != JSONDecoder().decode(JSONValue.self, from: renamed).withoutNulls)
    }

    static func decode<T: Codable & Sendable>(_ type: T.Type, _ data: Data) throws -> any Sendable {
        try JSONDecoder().decode(T.self, from: data)
    }

    static func roundTrip<T: Codable>(_ type: T.Type, _ data: Data) throws -> Data {
        try JSONEncoder().encode(JSONDecoder().decode(T.self, from: data))
    }
}

/// Any JSON, compared by value (numbers as Double).
private enum JSONValue: Decodable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): String(b)
        case .number(let n): String(n)
        case .string(let s): "\"\(s)\""
        case .array(let items): "[\(items.count) items]"
        case .object(let members): "{\(members.keys.sorted().joined(separator: ", "))}"
        }
    }

    /// Where `other` differs from this value: "supervisor.watch_pid: lost", "rooms[1]: \"!a\" became \"!b\"".
    func differences(to other: JSONValue, at path: String = "") -> [String] {
        switch (self, other) {
        case (.object(let mine), .object(let theirs)):
            return Set(mine.keys).union(theirs.keys).sorted().flatMap { key -> [String] in
                let inner = path.isEmpty ? key : "\(path).\(key)"
                switch (mine[key], theirs[key]) {
                case (let a?, let b?): return a.differences(to: b, at: inner)
                case (.some, nil): return ["\(inner): lost"]
                default: return ["\(inner): added"]
                }
            }
        case (.array(let mine), .array(let theirs)) where mine.count == theirs.count:
            return zip(mine, theirs).enumerated().flatMap { index, pair in
                pair.0.differences(to: pair.1, at: "\(path)[\(index)]")
            }
        default:
            return self == other ? [] : ["\(path.isEmpty ? "document" : path): \(self) became \(other)"]
        }
    }

    /// Object members that are null removed: to an optional Swift property, null and absent are the same.
    var withoutNulls: JSONValue {
        switch self {
        case .array(let items): .array(items.map(\.withoutNulls))
        case .object(let members): .object(members.filter { $0.value != .null }.mapValues(\.withoutNulls))
        default: self
        }
    }
}
