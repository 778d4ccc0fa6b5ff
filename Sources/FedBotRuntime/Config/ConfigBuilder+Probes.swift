import FedBotCore
import FedBotModels

extension ConfigBuilder {
    /// `probes.*`: names or globs, bounded counts and durations.
    mutating func buildProbes() -> FedBotConfig.Probes {
        typealias Probes = FedBotConfig.Probes
        var probes = Probes()
        let patterns = document.list(
            "probes.servers", listOf: "server names or globs",
            expected: "a server name like matrix.org or a glob like *.example.org", parse: Self.probePattern)
        probes.servers = unique("probes.servers", patterns) ?? []
        if let top = document.int("probes.top_shared") {
            if Probes.topSharedRange.contains(top) {
                probes.topShared = top
            } else {
                document.addProblem("probes.top_shared: must be between 0 and 1000, got \(top)")
            }
        }
        if let interval = document.duration("probes.interval") {
            if interval < Probes.minimumInterval {
                document.addProblem("probes.interval: must be at least 10s, got \(DurationText.canonical(interval))")
            } else {
                probes.interval = interval
            }
        }
        if let failures = document.int("probes.failures") {
            if Probes.failuresRange.contains(failures) {
                probes.failures = failures
            } else {
                document.addProblem("probes.failures: must be between 1 and 100, got \(failures)")
            }
        }
        if let stuck = document.duration("probes.stuck_after") {
            if stuck < Probes.minimumStuckAfter {
                document.addProblem("probes.stuck_after: must be at least 1m, got \(DurationText.canonical(stuck))")
            } else {
                probes.stuckAfter = stuck
            }
        }
        probes.autoReset = document.bool("probes.auto_reset") ?? false
        if probes.autoReset, !probes.isEnabled {
            addWarning("probes.auto_reset: true, but nothing is probed (set probes.servers or probes.top_shared)")
        }
        return probes
    }

    /// A server name, or a glob (`*`, `?`) over server names; a plain name must be a valid server name.
    static func probePattern(_ text: String) -> Glob? {
        guard let glob = ignorePattern(text) else { return nil }
        if !glob.hasWildcards, ServerName(text) == nil { return nil }
        return glob
    }
}
