/// Milliseconds since the Unix epoch, as Matrix and Synapse count time (`origin_server_ts`, `failure_ts`).
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public init(from decoder: any Decoder) throws {
        milliseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(milliseconds)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// Saturates at the ends of `Int64` instead of trapping: durations come from people (`mute … 9999999w`,
    /// config values) and timestamps from servers.
    public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(
            milliseconds: saturating(lhs.milliseconds.addingReportingOverflow(rhs.wholeMilliseconds), rhs > .zero))
    }

    /// Saturates like `+`.
    public static func - (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(
            milliseconds: saturating(lhs.milliseconds.subtractingReportingOverflow(rhs.wholeMilliseconds), rhs < .zero))
    }

    /// The time from `other` to `self` (negative when `other` is later), saturating like `+`.
    public static func - (lhs: Timestamp, rhs: Timestamp) -> Duration {
        .milliseconds(
            saturating(
                lhs.milliseconds.subtractingReportingOverflow(rhs.milliseconds), lhs.milliseconds > rhs.milliseconds))
    }

    private static func saturating(_ result: (partialValue: Int64, overflow: Bool), _ upward: Bool) -> Int64 {
        guard result.overflow else { return result.partialValue }
        return upward ? .max : .min
    }

    public var description: String { "\(milliseconds)ms" }
}

extension Duration {
    /// The duration in whole milliseconds, rounded toward zero.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds > 0 ? .max : .min }
        let (sum, carry) = milliseconds.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        guard !carry else { return seconds > 0 ? .max : .min }
        return sum
    }
}
