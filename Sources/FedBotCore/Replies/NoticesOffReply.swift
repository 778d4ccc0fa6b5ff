/// The answer to a command that needs the watcher when no notice rooms are configured.
public struct NoticesOffReply: RenderableReply {
    public var command: CommandName

    public init(command: CommandName) {
        self.command = command
    }

    public func render(_ context: RenderContext) -> Reply {
        Reply([
            .line(
                "ℹ️ Notices are off here (no notices.rooms configured), so there is nothing to \(command.rawValue)."
            )
        ])
    }
}
