/// An option of a command, with the values it takes: the parser checks them before the command sees them.
public struct OptionSpec: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `--desc`: present or not.
        case flag
        /// `--limit N`: a whole number in the range.
        case number(ClosedRange<Int>)
        /// `--sort name`: one of the words (case-insensitive).
        case choice([String])
    }

    /// `--limit`, lower case.
    public let name: String
    public let kind: Kind

    public init(_ name: String, _ kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// `[--limit N]`, `[--desc]`, `[--sort name|failure]`.
    public var usage: String {
        switch kind {
        case .flag: "[\(name)]"
        case .number: "[\(name) N]"
        case .choice(let values): "[\(name) \(values.joined(separator: "|"))]"
        }
    }

    /// `--limit N`: 1…1000 rows.
    public static let limit = OptionSpec("--limit", .number(1...Paging.maximumLimit))
    /// `--page N`: from 1.
    public static let page = OptionSpec("--page", .number(1...Paging.maximumPage))
    /// `--sort name|failure|retry|last-success`.
    public static let sort = OptionSpec("--sort", .choice(ListSort.allCases.map(\.rawValue)))
    /// `--failing`: every failing destination (`reset`).
    public static let failing = OptionSpec("--failing", .flag)
    /// `--desc`: reverse the order.
    public static let descending = OptionSpec("--desc", .flag)
}
