/// A secret string such as an access token. It prints as `<redacted>` in `description`,
/// `debugDescription`, string interpolation, `dump` and mirrors, and is deliberately not `Codable`:
/// the only way to the value is an explicit `reveal()`, at the point where it goes on the wire.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    /// Wraps `value`.
    public init(_ value: String) {
        self.value = value
    }

    /// The secret itself. Call it only to hand the value to the HTTP layer, never to print or log it.
    public func reveal() -> String {
        value
    }

    /// Whether the secret is the empty string.
    public var isEmpty: Bool { value.isEmpty }

    /// Always `<redacted>`.
    public var description: String { Self.redacted }

    /// Always `<redacted>`.
    public var debugDescription: String { Self.redacted }

    /// A mirror without children, so that `dump` and reflection show `<redacted>` only.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// What every rendering of a secret shows.
    public static let redacted = "<redacted>"
}
