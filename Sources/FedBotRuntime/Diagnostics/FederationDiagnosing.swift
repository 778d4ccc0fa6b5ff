public import FedBotModels

/// What the notice diagnoser and `show` need from the check engine: a server's report (from the short
/// cache when fresh). Never throws: every failure is a report. The bot uses `Diagnosis`; tests script one.
public protocol FederationDiagnosing: Sendable {
    func report(_ server: ServerName) async -> CheckReport
    /// A check that does not answer from the cache (a new incident must see the server now); it fills the cache.
    func freshReport(_ server: ServerName) async -> CheckReport
}

extension Diagnosis: FederationDiagnosing {}
