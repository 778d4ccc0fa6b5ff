public import FedBotModels
import FederationCheck

extension Diagnosis {
    /// A check that does not answer from the cache (probes must see the server now); the report is cached.
    public func freshReport(_ server: ServerName) async -> CheckReport {
        guard case .success(let checker) = checker else { return await report(server) }
        let report = await checker.check(server)
        await cache.store(report, now: now())
        return report
    }
}
