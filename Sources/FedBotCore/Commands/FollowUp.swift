public import FedBotModels

/// Work an action asks for a little later. Stored as JSON with the command until it is done, so its
/// cases and labels are part of the store's format.
public enum FollowUp: Sendable, Equatable, Codable {
    /// Re-check `server` after a reset; `previousFailure` is its `failure_ts` before the reset.
    case recheckAfterReset(server: ServerName, previousFailure: Timestamp?)
}
