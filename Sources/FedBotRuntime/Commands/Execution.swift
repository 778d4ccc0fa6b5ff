public import FedBotCore

/// The result of running one action.
public struct Execution: Sendable {
    public enum Outcome: String, Sendable {
        /// The command did what was asked.
        case ok
        /// The command was refused before any request (bad arguments, or notices are off).
        case usageError = "usage_error"
        /// The homeserver or its admin API failed or refused.
        case apiError = "api_error"
    }

    public var reply: Reply
    public var outcome: Outcome
    /// Work to do a little later: after a reset, re-check the destination and report.
    public var followUp: FollowUp?
    /// The command that ran, nil when the words did not parse.
    public var command: CommandName?
    /// The action's arguments, for the audit log.
    public var arguments: String?
    /// A bulk reset that waits for the requester's ✅ on this reply.
    public var confirmation: BulkResetConfirmation?

    public init(reply: Reply, outcome: Outcome, followUp: FollowUp? = nil, command: CommandName? = nil) {
        self.reply = reply
        self.outcome = outcome
        self.followUp = followUp
        self.command = command
    }
}
