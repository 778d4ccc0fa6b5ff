public import FedBotModels

/// The latest reset of a destination during its open incident, as `incidents` shows it: who asked, when,
/// and what the check a few seconds later found (nil until it ran, and for bulk resets, which are not
/// checked again).
public struct IncidentReset: Sendable, Equatable {
    public var by: String
    public var at: Timestamp
    /// When the follow-up checked the destination, and whether deliveries had resumed by then.
    public var checked: (at: Timestamp, resumed: Bool)?

    public init(by: String, at: Timestamp, checked: (at: Timestamp, resumed: Bool)? = nil) {
        self.by = by
        self.at = at
        self.checked = checked
    }

    public static func == (lhs: IncidentReset, rhs: IncidentReset) -> Bool {
        lhs.by == rhs.by && lhs.at == rhs.at && lhs.checked?.at == rhs.checked?.at
            && lhs.checked?.resumed == rhs.checked?.resumed
    }
}
