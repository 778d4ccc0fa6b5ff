import FedBotCore
import FedBotModels
import FederationCheck
import Testing

/// The spec's own examples (appendix "Canonical JSON" and "Signing JSON").
@Suite struct CanonicalJSONTests {
    static let examples: [(input: String, canonical: String)] = [
        ("{}", "{}"),
        (#"{"one": 1, "two": "Two"}"#, #"{"one":1,"two":"Two"}"#),
        (#"{"b": "2", "a": "1"}"#, #"{"a":"1","b":"2"}"#),
        (
            #"{"auth": {"success": true, "mxid": "@john.doe:example.com", "profile": {"display_name": "John Doe", "three_pids": [{"medium": "email", "address": "john.doe@example.org"}, {"medium": "msisdn", "address": "123456789"}]}}}"#,
            #"{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"address":"john.doe@example.org","medium":"email"},{"address":"123456789","medium":"msisdn"}]},"success":true}}"#
        ),
        (#"{"a": "日本語"}"#, #"{"a":"日本語"}"#),
        (#"{"本": 2, "日": 1}"#, #"{"日":1,"本":2}"#),
        (#"{"a": "\u65E5"}"#, #"{"a":"日"}"#),
        (#"{"a": null}"#, #"{"a":null}"#),
        (#"{"a": -0, "b": 1e10}"#, #"{"a":0,"b":10000000000}"#),
    ]

    @Test(arguments: examples)
    func specExample(_ example: (input: String, canonical: String)) throws {
        let value = try #require(JSONText.parse(Array(example.input.utf8)))
        #expect(try CanonicalJSON.encode(value) == example.canonical)
    }

    @Test func controlCharactersAreEscapedAndFloatsRefused() throws {
        #expect(try CanonicalJSON.encode(.string("a\nb\u{01}\"\\")) == #""a\nb\u0001\"\\""#)
        #expect(throws: CanonicalJSON.Problem.notAnInteger) { try CanonicalJSON.encode(.number(1.5)) }
    }

    @Test func invalidJSONIsRefused() {
        for text in ["{", #"{"a":}"#, "[1,]", #"{"a":1}x"#, "nul", #""\x""#] {
            #expect(JSONText.parse(Array(text.utf8)) == nil, "\(text)")
        }
    }

    /// The spec's signing key: seed `YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1`, key id `ed25519:1`.
    static let seed = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"
    static let signedExamples: [(json: String, signature: String)] = [
        ("{}", "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"),
        (
            #"{"one": 1, "two": "Two"}"#,
            "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"
        ),
    ]

    @Test(arguments: signedExamples)
    func specSignatureIsReproducedAndVerified(_ example: (json: String, signature: String)) throws {
        let seed = try #require(UnpaddedBase64.decode(Self.seed))
        let message = Array(try CanonicalJSON.encode(try #require(JSONText.parse(Array(example.json.utf8)))).utf8)
        #expect(try KeySignature.sign(seed: seed, message: message) == example.signature)
        let publicKey = try KeySignature.publicKey(seed: seed)
        #expect(KeySignature.verify(key: publicKey, signature: example.signature, message: message))
        #expect(!KeySignature.verify(key: publicKey, signature: example.signature, message: message + [0x20]))
    }

    /// A key answer signed like the spec's examples: verified; one changed field breaks it.
    @Test func keyAnswerSelfSignature() throws {
        let seed = try #require(UnpaddedBase64.decode(Self.seed))
        let publicKey = try KeySignature.publicKey(seed: seed)
        let unsigned: JSONValue = .object([
            "server_name": .string("example.org"), "valid_until_ts": .number(1_900_000_000_000),
            "verify_keys": .object(["ed25519:1": .object(["key": .string(publicKey)])]),
        ])
        let signature = try KeySignature.sign(seed: seed, message: Array(try CanonicalJSON.encode(unsigned).utf8))
        guard case .object(var signed) = unsigned else { return }
        signed["signatures"] = .object(["example.org": .object(["ed25519:1": .string(signature)])])
        signed["unsigned"] = .object(["ignored": .bool(true)])
        let now = Timestamp(milliseconds: 1_800_000_000_000)
        let keys = try #require(SigningKeys(.object(signed)))
        #expect(FederationChecker.judgeKeys(keys, server: "example.org", now: now).status == .ok)
        #expect(FederationChecker.judgeKeys(keys, server: "other.org", now: now).says.contains("server_name"))
        let later = Timestamp(milliseconds: 1_950_000_000_000)
        #expect(FederationChecker.judgeKeys(keys, server: "example.org", now: later).says.contains("expired"))
        signed["valid_until_ts"] = .number(1_900_000_000_001)
        let tampered = try #require(SigningKeys(.object(signed)))
        #expect(FederationChecker.judgeKeys(tampered, server: "example.org", now: now).says.contains("signature"))
    }
}
