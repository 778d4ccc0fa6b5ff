public import FedBotCore
public import FedBotModels

/// What the probe service needs from the check engine: the cheap part of `check SERVER` (resolution with its
/// caching rules, TLS, `/version`, the key endpoint), reduced to a `ProbeResult`. Never throws: every failure
/// is a result. The bot uses the engine's `FederationChecker`; tests script one.
public protocol FederationProbing: Sendable {
    func probe(_ server: ServerName) async -> ProbeResult
}

/// What `probes` lists and the watcher reads: the probe service's current knowledge.
public protocol ProbeListing: Sendable {
    /// The records of the probed servers and the targets without a result yet.
    func listing() async -> ProbeListingSnapshot
}

/// The probe service's knowledge at one moment.
public struct ProbeListingSnapshot: Sendable, Equatable {
    public var records: [ProbeRecord]
    public var pending: [String]
    public var failures: Int
    public var enabled: Bool

    public init(records: [ProbeRecord], pending: [String], failures: Int, enabled: Bool) {
        self.records = records
        self.pending = pending
        self.failures = failures
        self.enabled = enabled
    }
}
