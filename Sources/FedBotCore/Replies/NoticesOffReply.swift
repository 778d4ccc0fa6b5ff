/// The answer to a command that needs the watcher when no notice rooms are configured.
public struct NoticesOffReply: RenderableReply {
    public var command: CommandName

    public init(command: CommandName) {
        self.command = command
    }

    public func render(_ context: RenderContext) -> Reply {
        // "nothing to mute", "nothing to unmute"; `incidents` is not a verb.
        let consequence = command == .incidents ? "there are no incidents" : "there is nothing to \(command.rawValue)"
        return Reply([.line("ℹ️ Notices are off here (no notices.rooms configured), so \(consequence).")])
    }
}
