public import FedBotModels
public import Foundation

extension DestinationPage {
    /// Reads a page the way Synapse prints it, about ten times faster than `JSONDecoder` (a page of 1,000
    /// failing rows is the whole cost of `!fed list` and of a watcher poll on a large server).
    ///
    /// Nil for anything it cannot read exactly — escapes in strings, numbers that are not plain integers,
    /// invalid UTF-8, a key given twice, missing or mistyped keys — so that `JSONDecoder` decodes those (and
    /// says what is wrong). Where both read a body they agree; the unit tests hold them to it.
    public init?(scanning data: Data) {
        let page: DestinationPage? = data.withUnsafeBytes { raw in
            var scanner = JSONScanner(raw.assumingMemoryBound(to: UInt8.self))
            return Self.scan(&scanner)
        }
        guard let page else { return nil }
        self = page
    }

    private static func scan(_ scanner: inout JSONScanner) -> DestinationPage? {
        guard scanner.consume(.openBrace) else { return nil }
        var destinations: [Destination]?
        var total: Int64?
        var nextToken: String?
        var seen: UInt8 = 0
        if !scanner.consume(.closeBrace) {
            repeat {
                guard let key = scanner.rawKeyAndColon() else { return nil }
                if key.equals("destinations") {
                    guard first(&seen, 1), let rows = scanRows(&scanner) else { return nil }
                    destinations = rows
                } else if key.equals("total") {
                    guard first(&seen, 2), let value = scanner.int64() else { return nil }
                    total = value
                } else if key.equals("next_token") {
                    guard first(&seen, 4) else { return nil }
                    // As `decodeNextToken`: a string, or an integer (other servers), or null.
                    if scanner.consumeNull() {
                        nextToken = nil
                    } else if let text = scanner.string() {
                        nextToken = text
                    } else if let number = scanner.int64() {
                        nextToken = String(number)
                    } else {
                        return nil
                    }
                } else {
                    guard scanner.skipValue() else { return nil }
                }
            } while scanner.consume(.comma)
            guard scanner.consume(.closeBrace) else { return nil }
        }
        scanner.skipWhitespace()
        guard scanner.atEnd, let destinations, let total, let count = Int(exactly: total) else { return nil }
        return DestinationPage(destinations: destinations, total: count, nextToken: nextToken)
    }

    private static func scanRows(_ scanner: inout JSONScanner) -> [Destination]? {
        guard scanner.consume(.openBracket) else { return nil }
        var rows: [Destination] = []
        if scanner.consume(.closeBracket) { return rows }
        repeat {
            guard let row = scanRow(&scanner) else { return nil }
            rows.append(row)
        } while scanner.consume(.comma)
        return scanner.consume(.closeBracket) ? rows : nil
    }

    /// One row, with `Destination.init(from:)`'s rules: the name is required, null or missing retry
    /// fields read as 0, unknown keys are skipped.
    private static func scanRow(_ scanner: inout JSONScanner) -> Destination? {
        guard scanner.consume(.openBrace) else { return nil }
        var name: String?
        var row = Destination(destination: "")
        var seen: UInt8 = 0
        if !scanner.consume(.closeBrace) {
            repeat {
                guard let key = scanner.rawKeyAndColon() else { return nil }
                if key.equals("destination") {
                    guard first(&seen, 1), let text = scanner.string() else { return nil }
                    name = text
                } else if key.equals("retry_last_ts") {
                    guard first(&seen, 2), let value = scanner.nullableInt64() else { return nil }
                    row.retryLastTs = value ?? 0
                } else if key.equals("retry_interval") {
                    guard first(&seen, 4), let value = scanner.nullableInt64() else { return nil }
                    row.retryInterval = value ?? 0
                } else if key.equals("failure_ts") {
                    guard first(&seen, 8), let value = scanner.nullableInt64() else { return nil }
                    row.failureTs = value
                } else if key.equals("last_successful_stream_ordering") {
                    guard first(&seen, 16), let value = scanner.nullableInt64() else { return nil }
                    row.lastSuccessfulStreamOrdering = value
                } else {
                    guard scanner.skipValue() else { return nil }
                }
            } while scanner.consume(.comma)
            guard scanner.consume(.closeBrace) else { return nil }
        }
        guard let name else { return nil }
        row.destination = name
        return row
    }

    /// Marks a known key as seen; false when it was seen before (what a repeated key means is left to
    /// `JSONDecoder`).
    private static func first(_ seen: inout UInt8, _ bit: UInt8) -> Bool {
        defer { seen |= bit }
        return seen & bit == 0
    }
}
