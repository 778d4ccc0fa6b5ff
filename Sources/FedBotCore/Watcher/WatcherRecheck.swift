public import FedBotModels

extension WatcherMachine {
    /// What the admin API said about an open incident that the failing-first scan did not return.
    public enum RecheckAnswer: Sendable {
        case destination(Destination)
        /// Synapse no longer knows the destination.
        case unknownDestination
        /// The look-up failed (timeout, 5xx, …).
        case failed
    }

    /// How a re-check counts for the next step: still failing, cleared, or neither (an unknown destination
    /// is left to the machine, which sees it neither failing nor cleared). A failed look-up keeps the
    /// incident failing since it began: a failed request must never look like a recovery.
    public static func recheck(_ server: String, incident: Incident?, answer: RecheckAnswer)
        -> (failing: Destination?, cleared: Destination?)
    {
        switch answer {
        case .destination(let row): row.isFailing ? (row, nil) : (nil, row)
        case .unknownDestination: (nil, nil)
        case .failed: (Destination(destination: server, failureTs: incident?.since.milliseconds ?? 0), nil)
        }
    }
}
