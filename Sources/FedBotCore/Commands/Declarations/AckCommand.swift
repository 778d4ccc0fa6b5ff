public import FedBotModels

extension CommandName {
    public static let ack: CommandName = "ack"
}

extension CommandSpec {
    /// `ack SERVER`
    public static let ack = CommandSpec(
        name: .ack, positionals: [.required("SERVER")], summary: "acknowledge an open incident: no reminders",
        details: [
            "Recorded with who and when; incidents shows it. Ends when the incident ends.",
            "A 👀 reaction on the failure notice does the same.",
        ], needsWatcher: true, failure: "Could not acknowledge"
    ) { (arguments: inout Arguments) throws(CommandError) -> Action in
        .ack(try arguments.server())
    }
}

/// An `ack` reply (also the answer to 👀 on a notice).
public struct AckReply: RenderableReply {
    public var server: ServerName
    /// Who acknowledged (nil from a shell).
    public var by: String?
    /// False when the server has no open incident: nothing was recorded.
    public var wasOpen: Bool

    public init(server: ServerName, by: String?, wasOpen: Bool) {
        self.server = server
        self.by = by
        self.wasOpen = wasOpen
    }

    public func render(_ context: RenderContext) -> Reply {
        guard wasOpen else {
            return Reply([.line("ℹ️ \(bold: server.rawValue) has no open incident: nothing to acknowledge.")])
        }
        let who: Inline = by.map { " by \(code: $0.truncated(to: 255))" } ?? ""
        return Reply([
            .line("👀 \(bold: server.rawValue) acknowledged" + who + ": no reminders about it until it recovers.")
        ])
    }
}
