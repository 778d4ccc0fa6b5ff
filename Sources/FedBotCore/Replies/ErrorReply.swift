public import FedBotModels

/// An admin API failure as a one-line reply that says what failed and what to do.
public struct ErrorReply: Sendable {
    public var command: Command
    public var error: SynapseAdminError
    /// Close names Synapse does know, offered after "unknown destination".
    public var suggestions: [String]

    public init(command: Command, error: SynapseAdminError, suggestions: [String] = []) {
        self.command = command
        self.error = error
        self.suggestions = suggestions
    }

    public func render(_ context: RenderContext) -> Reply {
        var line: Inline = "⚠️ \(action): \(error.description)"
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

    private var action: String {
        switch command {
        case .list: "Could not list destinations"
        case .show(let server): "Could not show \(server)"
        case .rooms(let server, _): "Could not list rooms shared with \(server)"
        case .reset(let server): "Could not reset \(server)"
        case .status: "Could not get the status"
        case .mute(let server, _): "Could not mute \(server)"
        case .unmute(let server): "Could not unmute \(server)"
        case .incidents: "Could not list incidents"
        case .help: "Could not show help"
        }
    }
}
