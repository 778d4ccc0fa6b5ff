public import FedBotModels

/// The verdict rules (docs: "check"): 🔴 when a step every address depends on fails or no address passes
/// connect, TLS, certificate, version and keys; 🟡 when federation works but something needs attention;
/// 🟢 otherwise. Support contacts never change the verdict.
public enum CheckJudgement {
    public struct Verdict: Sendable, Equatable {
        public var verdict: CheckVerdict
        public var check: CheckID?
        public var says: String
    }

    /// Judges what the checks found. `findings` are the address-independent ones, in the order they ran.
    public static func judge(findings: [CheckFinding], addresses: [CheckAddressReport]) -> Verdict {
        let general = findings.filter { $0.check != .support }
        if let failed = general.first(where: { $0.status == .failed }) {
            return Verdict(verdict: .red, check: failed.check, says: failed.says)
        }
        guard let working = addresses.first(where: \.works) else {
            // Synapse reports the first address's failure: "probably the most interesting".
            if let first = addresses.first, let failed = first.findings.first(where: { $0.status == .failed }) {
                return Verdict(verdict: .red, check: failed.check, says: "\(failed.says) on \(first.address)")
            }
            return Verdict(verdict: .red, check: .dns, says: "no address to connect to")
        }
        let warnings =
            general.filter { $0.status == .warning }
            + addresses.flatMap { address in
                address.findings.compactMap { finding -> CheckFinding? in
                    switch finding.status {
                    case .warning: return CheckFinding(finding.check, .warning, "\(finding.says) on \(address.address)")
                    case .failed:
                        return CheckFinding(finding.check, .warning, "\(finding.says) on \(address.address)")
                    case .ok, .skipped: return nil
                    }
                }
            }
        if let warning = warnings.min(by: { $0.check < $1.check }) {
            return Verdict(verdict: .yellow, check: warning.check, says: "works, but \(warning.says)")
        }
        let software = working.software.map { "\($0) " } ?? ""
        let time = working.totalMilliseconds.map { " in \($0) ms" } ?? ""
        return Verdict(verdict: .green, check: nil, says: "answers federation: \(software)at \(working.address)\(time)")
    }
}
