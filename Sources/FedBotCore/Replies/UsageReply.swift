/// A usage error, answered before any request.
public struct UsageReply: RenderableReply {
    public var error: CommandError

    public init(_ error: CommandError) {
        self.error = error
    }

    public func render(_ context: RenderContext) -> Reply {
        Reply([.line("⚠️ " + Self.inline(error.message))])
    }

    /// The message with its `backticked` spans (commands, usage) as code: monospace in HTML, and without
    /// backticks in the plain body. Unbalanced backticks (from user input) stay as text.
    static func inline(_ message: String) -> Inline {
        let parts = message.split(separator: "`", omittingEmptySubsequences: false)
        guard parts.count % 2 == 1 else { return Inline(message) }
        var result = Inline(pieces: [])
        for (index, part) in parts.enumerated() where !part.isEmpty {
            result = result + (index % 2 == 1 ? .code(String(part)) : Inline(String(part)))
        }
        return result
    }
}
