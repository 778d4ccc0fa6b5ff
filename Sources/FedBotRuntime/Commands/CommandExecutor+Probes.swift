import FedBotCore

/// `probes`: the probe service's records. Probes announce through the watcher: without it the reply is
/// `NoticesOffReply`; with it but nothing probed, how to turn probes on.
extension CommandExecutor {
    func probeList() async throws -> Execution {
        _ = try requireWatcher()
        guard let probes else {
            return ok(ProbesReply(records: [], failures: 0, enabled: false))
        }
        let snapshot = await probes.listing()
        return ok(
            ProbesReply(
                records: snapshot.records, pending: snapshot.pending, failures: snapshot.failures,
                enabled: snapshot.enabled))
    }
}
