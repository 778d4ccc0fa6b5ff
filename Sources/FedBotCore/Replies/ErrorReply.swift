public import FedBotModels

/// An admin API failure as a one-line reply that says what failed and what to do.
public struct ErrorReply: RenderableReply {
    public var action: Action
    public var error: SynapseAdminError
    /// Close names Synapse does know, offered after "unknown destination".
    public var suggestions: [String]

    public init(action: Action, error: SynapseAdminError, suggestions: [String] = []) {
        self.action = action
        self.error = error
        self.suggestions = suggestions
    }

    public func render(_ context: RenderContext) -> Reply {
        // Synapse's messages (or a proxy's) can be any length: cut, so that the reply is still delivered.
        let description = error.description.truncated(to: Self.maximumDetailLength)
        var line: Inline = "⚠️ \(action.spec.failure(about: action.server)): \(description)"
        if !suggestions.isEmpty {
            line = line + ". Did you mean "
            for (index, name) in suggestions.prefix(3).enumerated() {
                if index > 0 { line = line + (index == suggestions.prefix(3).count - 1 ? " or " : ", ") }
                line = line + .code(name.truncated(to: RoomsReply.maximumNameLength))
            }
            line = line + "?"
        }
        return Reply([.line(line)])
    }

    /// Error texts (and the Synapse version in `status`) longer than this are cut.
    static let maximumDetailLength = 500
}
