/// What `reset_connection` did.
public enum ResetOutcome: Sendable, Equatable {
    /// The retry timings were cleared; Synapse reconnects in the background.
    case reset
    /// The destination was not backing off, so there was nothing to reset.
    case notInBackoff
}
