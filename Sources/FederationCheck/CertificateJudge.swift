import FedBotCore
import FedBotModels
import Foundation
import SwiftASN1
import X509

/// Judges a presented chain as Synapse's TLS policy would: trusted by the system roots (plus
/// `diagnostics.ca_file`), within its validity dates, valid for the server name. Says which of these
/// fails, and how many days are left.
struct CertificateJudge: Sendable {
    /// Extra roots from `diagnostics.ca_file`.
    let extraRoots: [Certificate]
    /// Warn when the certificate expires within this many days.
    static let warningDays = 14

    struct Verdict: Sendable {
        var finding: CheckFinding
        var daysLeft: Int?
    }

    /// The certificates of a PEM file; throws when it holds none.
    static func loadPEM(path: String) throws -> [Certificate] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let end = "-----END CERTIFICATE-----"
        let blocks = text.components(separatedBy: end).dropLast().map { $0 + end }
        let certificates = try blocks.map { try Certificate(pemEncoded: $0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard !certificates.isEmpty else { throw CocoaError(.fileReadCorruptFile) }
        return certificates
    }

    func judge(chain der: [[UInt8]], serverName: String, isIPLiteral: Bool, now: Date) async -> Verdict {
        let chain = der.compactMap { try? Certificate(derEncoded: $0) }
        guard let leaf = chain.first else {
            return Verdict(finding: CheckFinding(.certificate, .failed, "TLS certificate missing"), daysLeft: nil)
        }
        let days = Int((leaf.notValidAfter.timeIntervalSince(now) / 86_400).rounded(.down))
        if leaf.notValidAfter < now {
            let ago = max(1, -days)
            return failed("TLS certificate expired \(ago) day\(ago == 1 ? "" : "s") ago", days)
        }
        if leaf.notValidBefore > now {
            return failed("TLS certificate not yet valid (valid from \(Self.day(leaf.notValidBefore)))", days)
        }
        var roots = CertificateStore.systemTrustRoots
        roots.append(contentsOf: extraRoots)
        let intermediates = CertificateStore(chain.dropFirst())
        var trustOnly = Verifier(rootCertificates: roots) { RFC5280Policy() }
        guard case .validCertificate = await trustOnly.validate(leaf: leaf, intermediates: intermediates) else {
            if leaf.issuer == leaf.subject {
                return failed("TLS certificate is self-signed (not trusted)", days)
            }
            return failed("TLS certificate is not trusted (issuer \(leaf.issuer))", days)
        }
        guard Self.names(leaf, match: serverName) else {
            return failed("TLS certificate is not valid for \(serverName) (wrong name)", days)
        }
        if days < Self.warningDays {
            return Verdict(
                finding: CheckFinding(.certificate, .warning, "TLS certificate expires in \(days) day\(days == 1 ? "" : "s")"),
                daysLeft: days)
        }
        return Verdict(finding: CheckFinding(.certificate, .ok, "valid for \(serverName), \(days) days left"), daysLeft: days)
    }

    /// RFC 6125 as Synapse's TLS policy applies it: a DNS name in the subject alternative names, exactly or by
    /// a wildcard for the leftmost label; an IP literal against the IP addresses.
    static func names(_ leaf: Certificate, match serverName: String) -> Bool {
        guard let names = try? leaf.extensions.subjectAlternativeNames else { return false }
        if let ip = IPAddress(serverName) {
            return names.contains { name in
                if case .ipAddress(let octets) = name { return Array(octets.bytes) == ip.bytes }
                return false
            }
        }
        let wanted = serverName.lowercased()
        return names.contains { name in
            guard case .dnsName(let written) = name else { return false }
            let pattern = written.lowercased()
            if pattern == wanted { return true }
            guard pattern.hasPrefix("*."), let dot = wanted.firstIndex(of: ".") else { return false }
            return wanted[dot...] == pattern.dropFirst()
        }
    }

    private func failed(_ says: String, _ days: Int) -> Verdict {
        Verdict(finding: CheckFinding(.certificate, .failed, says), daysLeft: days)
    }

    static func day(_ date: Date) -> String {
        TimeText.absolute(Timestamp(milliseconds: Int64(date.timeIntervalSince1970 * 1000)))
    }
}
