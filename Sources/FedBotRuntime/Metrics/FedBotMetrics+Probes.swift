public import FedBotCore
import Prometheus

extension FedBotMetrics {
    /// One probe finished. `outcome` is `ok` or a check id from a fixed set (`ProbeResult.outcomeLabel`):
    /// server names are never labels, so the series stay bounded.
    public func probeFinished(_ result: ProbeResult, duration: Duration) {
        registry.makeCounter(
            descriptor: Self.describe("fedbot_probes_total", "Active probes by outcome (ok or the failing check)."),
            labels: [("outcome", result.outcomeLabel)]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.describe("fedbot_probe_duration_seconds", "Duration of one active probe."),
            buckets: Self.buckets
        ).record(duration)
    }

    /// Probed servers now, and how many of them fail (past `probes.failures`).
    public func probeTargets(total: Int, failing: Int) {
        registry.makeGauge(
            descriptor: Self.describe("fedbot_probed_servers", "Servers probed actively, by state."),
            labels: [("state", "failing")]
        ).set(Double(failing))
        registry.makeGauge(
            descriptor: Self.describe("fedbot_probed_servers", "Servers probed actively, by state."),
            labels: [("state", "other")]
        ).set(Double(max(0, total - failing)))
    }

    /// `probes.auto_reset` asked Synapse to reset a destination: `reset`, `not_in_backoff` or `error`.
    public func autoReset(outcome: String) {
        registry.makeCounter(
            descriptor: Self.describe("fedbot_auto_resets_total", "Backoff resets by probes.auto_reset, by outcome."),
            labels: [("outcome", outcome)]
        ).increment()
    }
}
