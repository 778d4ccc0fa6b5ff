public import FedBotModels

/// A `/_matrix/key/v2/server` answer, read for the checks `keys` makes: the name, the verify keys, the
/// expiry, the signatures by the server itself, and the canonical JSON those signatures cover.
public struct SigningKeys: Sendable, Equatable {
    public var serverName: String?
    /// Key id (`ed25519:abc`) → unpadded base64 public key.
    public var verifyKeys: [String: String]
    public var validUntil: Timestamp?
    /// Key id → unpadded base64 signature, from `signatures[server_name]`.
    public var signatures: [String: String]
    /// The object without `signatures` and `unsigned`, canonically encoded: what was signed.
    public var signedBytes: [UInt8]

    /// Nil when the answer is not a JSON object or has no canonical form.
    public init?(_ json: JSONValue) {
        guard var object = json.object else { return nil }
        serverName = object["server_name"]?.string
        var keys: [String: String] = [:]
        for (id, value) in object["verify_keys"]?.object ?? [:] {
            if let key = value["key"]?.string { keys[id] = key }
        }
        verifyKeys = keys
        validUntil = object["valid_until_ts"]?.lenientInt.map { Timestamp(milliseconds: Int64($0)) }
        var signatures: [String: String] = [:]
        if let serverName, let bySelf = object["signatures"]?[serverName]?.object {
            for (id, value) in bySelf {
                if let signature = value.string { signatures[id] = signature }
            }
        }
        self.signatures = signatures
        object["signatures"] = nil
        object["unsigned"] = nil
        guard let canonical = try? CanonicalJSON.encode(.object(object)) else { return nil }
        signedBytes = Array(canonical.utf8)
    }

    /// The Ed25519 (key, signature) pairs to verify: signatures by a key listed in `verify_keys`.
    public var ed25519Pairs: [(id: String, key: String, signature: String)] {
        signatures.keys.sorted().compactMap { id in
            guard id.hasPrefix("ed25519:"), let key = verifyKeys[id], let signature = signatures[id] else {
                return nil
            }
            return (id, key, signature)
        }
    }

    /// The checks on the answer that need no cryptography; nil when they pass.
    public func problem(expected server: String, now: Timestamp) -> String? {
        guard let serverName else { return "key answer has no server_name" }
        if serverName != server { return "key answer's server_name is \(serverName.truncated(to: 80)), not \(server)" }
        if verifyKeys.isEmpty { return "key answer lists no verify keys" }
        guard let validUntil else { return "key answer has no valid_until_ts" }
        if validUntil <= now { return "signing keys expired (valid_until_ts \(TimeText.absolute(validUntil)))" }
        if ed25519Pairs.isEmpty { return "key answer is not signed by its own verify keys" }
        return nil
    }
}

/// Unpadded base64 (what Matrix uses for keys and signatures), standard or URL-safe alphabet.
public enum UnpaddedBase64 {
    public static func decode(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for scalar in text.unicodeScalars {
            let value: UInt32
            switch scalar {
            case "A"..."Z": value = scalar.value - 65
            case "a"..."z": value = scalar.value - 97 + 26
            case "0"..."9": value = scalar.value - 48 + 52
            case "+", "-": value = 62
            case "/", "_": value = 63
            case "=": continue
            default: return nil
            }
            buffer = (buffer << 6) | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
            }
        }
        return bytes
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var output = ""
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value: UInt32 = 0
            for byte in chunk { value = (value << 8) | UInt32(byte) }
            value <<= UInt32(8 * (3 - chunk.count))
            for position in 0...chunk.count {
                output.append(alphabet[Int((value >> UInt32(18 - 6 * position)) & 0x3F)])
            }
            index += 3
        }
        return output
    }
}
