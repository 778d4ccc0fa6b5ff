/// A command the parser could not accept: one line saying what was expected, plus the usage to show.
public struct CommandError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong and what was expected, in one line.
    public var message: String
    /// The command whose usage applies, if known.
    public var command: CommandName?

    public init(_ message: String, command: CommandName? = nil) {
        self.message = message
        self.command = command
    }

    public var description: String { message }
}
