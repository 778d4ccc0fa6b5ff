import Foundation

/// A budget a figure is held to.
enum Budget: Sendable {
    case atMost(Double)
    case atLeast(Double)

    func passes(_ value: Double) -> Bool {
        switch self {
        case .atMost(let limit): value <= limit
        case .atLeast(let limit): value >= limit
        }
    }

    var text: String {
        switch self {
        case .atMost(let limit): "≤ \(Format.number(limit))"
        case .atLeast(let limit): "≥ \(Format.number(limit))"
        }
    }
}

/// One line of the final table.
struct ResultRow: Sendable, Codable {
    var name: String
    /// The figure compared with the budget.
    var value: Double?
    /// What is shown (defaults to `value`); e.g. "12.3 / 25.0" for p50 / p95.
    var shown: String
    var unit: String
    var budget: String
    /// "ok", "miss", "" (no budget) or "error".
    var status: String
    var note: String

    enum CodingKeys: String, CodingKey { case name, value, shown, unit, budget, status, note }
}

/// Collects rows as phases finish; prints the table at the end.
final class Report: @unchecked Sendable {
    private let lock = NSLock()
    private var rows: [ResultRow] = []

    func add(
        _ name: String, _ value: Double?, _ unit: String, budget: Budget? = nil, shown: String? = nil, note: String = ""
    ) {
        let status: String
        if let budget, let value {
            status = budget.passes(value) ? "ok" : "miss"
        } else {
            status = ""
        }
        let row = ResultRow(
            name: name, value: value, shown: shown ?? value.map(Format.number) ?? "-", unit: unit,
            budget: budget?.text ?? "", status: status, note: note)
        lock.withLock { rows.append(row) }
        let mark = status.isEmpty ? "" : "  [\(status)]"
        log("  \(row.name): \(row.shown) \(row.unit)\(budget.map { " (budget \($0.text))" } ?? "")\(mark)")
    }

    func error(_ name: String, _ error: any Error) {
        let row = ResultRow(
            name: name, value: nil, shown: "-", unit: "", budget: "", status: "error", note: "\(error)")
        lock.withLock { rows.append(row) }
        log("  \(name): ERROR \(error)")
    }

    var all: [ResultRow] { lock.withLock { rows } }

    /// The table: name, value, unit, budget, ok/miss.
    func table() -> String {
        let rows = all
        let header = ["name", "value", "unit", "budget", "ok/miss"]
        let cells = rows.map { [$0.name, $0.shown, $0.unit, $0.budget, $0.status] }
        var widths = header.map(\.count)
        for row in cells {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ row: [String]) -> String {
            row.enumerated().map { index, cell in
                index == 1
                    ? String(repeating: " ", count: widths[index] - cell.count) + cell : cell.padded(widths[index])
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = [line(header), line(widths.map { String(repeating: "-", count: $0) })]
        out += cells.map(line)
        return out.joined(separator: "\n")
    }

    /// The same table as Markdown.
    func markdown() -> String {
        var out = ["| name | value | unit | budget | ok/miss |", "|---|---:|---|---|---|"]
        for row in all {
            let status = row.status == "miss" ? "**miss**" : row.status
            out.append("| \(row.name) | \(row.shown) | \(row.unit) | \(row.budget) | \(status) |")
        }
        return out.joined(separator: "\n")
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(all)
    }
}

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}

enum Format {
    /// 3 significant-ish digits, grouped thousands for large numbers.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        let magnitude = abs(value)
        if magnitude >= 100_000 { return grouped(Int(value.rounded())) }
        if magnitude >= 1000 { return grouped(Int(value.rounded())) }
        if magnitude >= 100 { return String(format: "%.0f", value) }
        if magnitude >= 10 { return String(format: "%.1f", value) }
        if magnitude >= 1 { return String(format: "%.2f", value) }
        if magnitude == 0 { return "0" }
        return String(format: "%.3f", value)
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, char) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(char)
        }
        return value < 0 ? "-" + out : out
    }

    static func pair(_ a: Double, _ b: Double) -> String {
        "\(number(a)) / \(number(b))"
    }
}

/// Statistics over samples.
enum Stats {
    static func median(_ values: [Double]) -> Double {
        percentile(values, 50)
    }

    /// Linear interpolation between closest ranks.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = p / 100 * Double(sorted.count - 1)
        let low = Int(rank.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        let fraction = rank - Double(low)
        return sorted[low] + (sorted[high] - sorted[low]) * fraction
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    var seconds: Double { milliseconds / 1000 }
}

/// Progress on standard error, so that standard output holds only the table.
func log(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
