import FedBotModels
import Foundation
import SynapseAdmin
import Testing

/// The fast reader of destination pages must agree with `JSONDecoder` wherever it reads a body, read every
/// body Synapse prints, and leave everything else to `JSONDecoder`.
@Suite struct DestinationPageScanningTests {
    /// What both readers make of a body: nil when the reader refused it.
    struct Read: Equatable, CustomStringConvertible {
        var destinations: [Destination]
        var total: Int
        var nextToken: String?

        init(_ page: DestinationPage) {
            (destinations, total, nextToken) = (page.destinations, page.total, page.nextToken)
        }

        var description: String { "\(total) total, next \(nextToken ?? "-"), \(destinations)" }
    }

    func decoded(_ json: String) -> Read? {
        (try? JSONDecoder().decode(DestinationPage.self, from: Data(json.utf8))).map(Read.init)
    }

    func scanned(_ json: String) -> Read? {
        DestinationPage(scanning: Data(json.utf8)).map(Read.init)
    }

    @Test(
        arguments: [
            // What Synapse 1.163.2 prints: compact, five keys per row, next_token a string.
            #"{"destinations":[{"destination":"dead.example","retry_last_ts":1795519140000,"retry_interval":600000,"failure_ts":1795511520000,"last_successful_stream_ordering":1234},{"destination":"matrix.org","retry_last_ts":0,"retry_interval":0,"failure_ts":null,"last_successful_stream_ordering":98765}],"total":100001,"next_token":"2"}"#,
            #"{"destinations":[],"total":0}"#,
            #"{"destinations":[{"destination":"[::1]:8448","retry_last_ts":0,"retry_interval":0,"failure_ts":null,"last_successful_stream_ordering":null}],"total":1}"#,
            // Non-ASCII as raw UTF-8 (Synapse does not escape it), pretty-printed, keys in another order.
            "{ \"total\" : 3 ,\n \"destinations\" : [ { \"failure_ts\" : 5 , \"destination\" : \"bücher.example\" } ],\r\n\t\"next_token\":\"1\" }",
            // next_token as a number or null; retry fields null or missing; unknown keys of every kind.
            #"{"destinations":[{"destination":"a","retry_last_ts":null,"retry_interval":null}],"total":7,"next_token":1}"#,
            #"{"destinations":[{"destination":"a"}],"total":7,"next_token":null}"#,
            #"{"destinations":[{"destination":"a","new":{"x":[1,true,false,null,"s",{}],"y":[]}}],"total":1,"extra":[[]]}"#,
            #"{"destinations":[{"destination":"a","failure_ts":-12}],"total":-0}"#,
            #"{"destinations":[{"destination":"a","failure_ts":9223372036854775807,"retry_last_ts":-9223372036854775808}],"total":1}"#,
        ])
    func readsWhatSynapsePrints(json: String) throws {
        let expected = try #require(decoded(json))
        #expect(scanned(json) == expected)
    }

    @Test(
        arguments: [
            // Valid JSON that JSONDecoder reads and the scanner leaves to it.
            #"{"destinations":[{"destination":"quo\"te.example"}],"total":1}"#,
            #"{"destinations":[{"destination":"\u00fc.example"}],"total":1}"#,
            #"{"destinations":[{"destination":"a","failure_ts":1.0}],"total":1}"#,
            #"{"destinations":[{"destination":"a","failure_ts":1e3}],"total":1}"#,
            #"{"destinations":[{"destination":"a","failure_ts":null}],"total":1,"note":"a \"b\""}"#,
            #"{"destinations":[{"destination":"a","score":0.5}],"total":1}"#,
            #"{"destinations":[{"destination":"a","destination":"b"}],"total":1}"#,
            #"{"destinations":[],"total":1,"total":2}"#,
            // Not a page, or not JSON at all.
            #"{"destinations":[{"destination":"a"}]}"#,
            #"{"destinations":[{"retry_last_ts":0}],"total":1}"#,
            #"{"destinations":null,"total":1}"#,
            #"{"destinations":[{"destination":null}],"total":1}"#,
            #"{"destinations":[{"destination":"a","failure_ts":"5"}],"total":1}"#,
            #"{"destinations":[{"destination":"a"}],"total":1}x"#,
            #"{"destinations":[{"destination":"a"},],"total":1}"#,
            #"{"destinations":[{"destination":"a","failure_ts":01}],"total":1}"#,
            #"{"destinations":[{"destination":"a","failure_ts":9223372036854775808}],"total":1}"#,
            #"{"destinations":[{"destination":"a","failure_ts":-}],"total":1}"#,
            #"{"destinations":[{"destination":"a","x":tru}],"total":1}"#,
            #"{"destinations":[{"destination":"a"}],"total":1"#,
            "{\"destinations\":[{\"destination\":\"tab\there\"}],\"total\":1}",
            "",
            "[]",
            "null",
        ])
    func leavesTheRestToJSONDecoder(json: String) {
        #expect(scanned(json) == nil)
    }

    @Test func refusesInvalidUTF8() {
        var bytes = Array(#"{"destinations":[{"destination":"x"#.utf8)
        bytes += [0xC3, 0x28]
        bytes += Array(#""}],"total":1}"#.utf8)
        #expect(DestinationPage(scanning: Data(bytes)) == nil)
        #expect((try? JSONDecoder().decode(DestinationPage.self, from: Data(bytes))) == nil)
    }

    @Test func refusesDeepNestingInsteadOfRecursingWithoutEnd() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(scanned(#"{"destinations":[],"total":1,"x":"# + deep + "}") == nil)
    }

    /// Pages generated from a seed, in the shapes Synapse and other servers might print, with some
    /// characters the scanner declines: wherever it reads one, it must agree with `JSONDecoder`, and it
    /// must read every page that has nothing to decline.
    @Test func agreesWithJSONDecoderOnGeneratedPages() throws {
        var random = SeededGenerator(state: 0x5EED)
        var read = 0
        for _ in 0..<400 {
            let (json, plain) = Self.page(&random)
            let expected = decoded(json)
            let got = scanned(json)
            if let got {
                #expect(got == expected, "\(json)")
                read += 1
            }
            if plain { #expect(got != nil, "\(json)") }
        }
        #expect(read > 200)
    }

    /// A generated page, and whether it holds only what the scanner reads.
    static func page(_ random: inout SeededGenerator) -> (String, Bool) {
        var plain = true
        func space() -> String { random.next() % 4 == 0 ? [" ", "\n", "\t", "\r\n "][Int(random.next() % 4)] : "" }
        func integer() -> String {
            if random.next() % 60 == 0 {
                plain = false
                return ["1.5", "2e3", "-0.0"][Int(random.next() % 3)]
            }
            switch random.next() % 5 {
            case 0: return "null"
            case 1: return "0"
            case 2: return String(Int64(bitPattern: random.next()))
            default: return String(random.next() % 1_800_000_000_000)
            }
        }
        func name() -> String {
            let pieces = ["a", "matrix", "ü", "例", "-", ".", ":8448", "[::1]", "0"]
            var text = (0..<(1 + Int(random.next() % 4))).map { _ in pieces[Int(random.next() % 9)] }.joined()
            if random.next() % 25 == 0 {
                text += "\\\"q"
                plain = false
            }
            return text
        }
        var rows: [String] = []
        for _ in 0..<Int(random.next() % 6) {
            var fields = ["\"destination\":\(space())\"\(name())\""]
            for key in ["retry_last_ts", "retry_interval", "failure_ts", "last_successful_stream_ordering"]
            where random.next() % 5 != 0 {
                fields.append("\"\(key)\"\(space()):\(space())\(integer())")
            }
            if random.next() % 8 == 0 { fields.append(#""unknown":{"a":[1,null,"x",true]}"#) }
            fields.shuffle(using: &random)
            rows.append("{" + space() + fields.joined(separator: "," + space()) + space() + "}")
        }
        var top = ["\"destinations\":[\(rows.joined(separator: ","))]", "\"total\":\(random.next() % 200_000)"]
        switch random.next() % 3 {
        case 0: top.append("\"next_token\":\"\(random.next() % 1000)\"")
        case 1: top.append("\"next_token\":\(random.next() % 1000)")
        default: break
        }
        top.shuffle(using: &random)
        return ("{" + space() + top.joined(separator: "," + space()) + space() + "}", plain)
    }
}
