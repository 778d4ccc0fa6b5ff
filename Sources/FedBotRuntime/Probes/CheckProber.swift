public import FedBotCore
public import FedBotModels

/// Probes with the check engine (`FederationChecker`, issue 14): resolution, TLS, certificate, `/version`
/// and the key endpoint at every address, as `check SERVER` runs them. A fresh check every time (the
/// report also goes into the engine's short cache, so a `check` right after a probe answers at once).
/// The probe is the verdict's first line: red fails with the deciding check, green and yellow answer.
public struct CheckProber: FederationProbing {
    let diagnosis: Diagnosis

    public init(diagnosis: Diagnosis) {
        self.diagnosis = diagnosis
    }

    public func probe(_ server: ServerName) async -> ProbeResult {
        Self.result(await diagnosis.freshReport(server))
    }

    /// A report as a probe result: the verdict, the deciding check and what it says; the latency of the
    /// fastest working address (else the whole check).
    public static func result(_ report: CheckReport) -> ProbeResult {
        guard report.verdict == .red else {
            let fastest = report.addresses.filter(\.works).compactMap(\.totalMilliseconds).min()
            return .answered(latencyMilliseconds: fastest ?? report.durationMilliseconds)
        }
        return .failed(
            check: report.check?.rawValue ?? "connect", reason: report.says,
            latencyMilliseconds: report.durationMilliseconds)
    }
}
