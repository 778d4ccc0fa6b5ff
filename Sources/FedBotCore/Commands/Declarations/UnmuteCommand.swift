public import FedBotModels

extension CommandName {
    public static let unmute: CommandName = "unmute"
}

extension CommandSpec {
    /// `unmute SERVER`
    public static let unmute = CommandSpec(
        name: .unmute, positionals: [.required("SERVER")], summary: "notices for a server again",
        details: ["Ends a mute early."], needsWatcher: true, failure: "Could not unmute"
    ) { (arguments: inout Arguments) throws(CommandError) -> Action in
        .unmute(try arguments.server())
    }
}

/// An `unmute` reply.
public struct UnmuteReply: RenderableReply {
    public var server: ServerName
    /// False when the server was not muted.
    public var wasMuted: Bool

    public init(server: ServerName, wasMuted: Bool) {
        self.server = server
        self.wasMuted = wasMuted
    }

    public func render(_ context: RenderContext) -> Reply {
        Reply([
            .line(
                wasMuted
                    ? "🔔 \(bold: server.rawValue) is no longer muted."
                    : "ℹ️ \(bold: server.rawValue) was not muted.")
        ])
    }
}
