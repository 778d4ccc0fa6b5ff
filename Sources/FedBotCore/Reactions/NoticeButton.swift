/// The bot's own reactions on a failure notice, which work as buttons: an authorized user reacting with the
/// same key triggers the action.
public enum NoticeButton: String, CaseIterable, Sendable {
    /// 🔁 reset now.
    case reset = "🔁"
    /// 👀 acknowledge: no reminders.
    case acknowledge = "👀"
    /// 🔇 mute until it recovers.
    case mute = "🔇"

    /// The button a reaction key stands for. Clients differ in whether they add the emoji presentation
    /// selector (U+FE0F): it is ignored.
    public init?(key: String) {
        self.init(rawValue: Self.normalized(key))
    }

    /// Whether `key` is a key the bot acts on: a button, or the ✅ that confirms a bulk reset.
    public static func isKnown(_ key: String) -> Bool {
        NoticeButton(key: key) != nil || isConfirmation(key)
    }

    /// Whether `key` is ✅.
    public static func isConfirmation(_ key: String) -> Bool {
        normalized(key) == BulkReset.confirmKey
    }

    static func normalized(_ key: String) -> String {
        guard key.utf8.count <= 32 else { return "" }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: key.unicodeScalars.filter { $0 != "\u{FE0F}" })
        return String(scalars)
    }

    /// The notices that carry buttons: failures, grouped or not (an outage notice says this homeserver
    /// itself may be cut off: resetting every destination would not help).
    public static func appliesTo(_ kind: NoticeRecord.Kind) -> Bool {
        kind != .outage
    }
}
