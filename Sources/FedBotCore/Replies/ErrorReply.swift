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
        var line: Inline = "⚠️ \(action.spec.failure(about: action.server)): \(error.description)"
        if !suggestions.isEmpty {
            line = line + ". Did you mean "
            for (index, name) in suggestions.prefix(3).enumerated() {
                if index > 0 { line = line + (index == suggestions.prefix(3).count - 1 ? " or " : ", ") }
                line = line + .code(name)
            }
            line = line + "?"
        }
        return Reply([.line(line)])
    }
}
