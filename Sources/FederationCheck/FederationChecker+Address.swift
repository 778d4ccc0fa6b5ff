import Crypto
import NIOCore
import FedBotCore
import FedBotModels
import Foundation

/// The checks at each address: connect, TLS, certificate, `/version`, signing keys; and whether Synapse's
/// default blocklist refuses the address.
extension FederationChecker {
    /// At most this many addresses are probed at the same time within one check.
    static let concurrentAddresses = 4

    func probe(_ targets: [Target], discovery: CheckDiscovery, server: ServerName) async -> [CheckAddressReport] {
        await withTaskGroup(of: (Int, CheckAddressReport).self) { group in
            var pending = Array(targets.enumerated())[...]
            var reports: [(Int, CheckAddressReport)] = []
            for _ in 0..<Self.concurrentAddresses {
                guard let (index, target) = pending.popFirst() else { break }
                group.addTask { (index, await probe(target, discovery: discovery, server: server)) }
            }
            for await report in group {
                reports.append(report)
                if let (index, target) = pending.popFirst() {
                    group.addTask { (index, await probe(target, discovery: discovery, server: server)) }
                }
            }
            return reports.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    func probe(_ target: Target, discovery: CheckDiscovery, server: ServerName) async -> CheckAddressReport {
        var report = CheckAddressReport(address: ServerResolution.display(ip: target.ip.description, port: target.port))
        if let blocked = IPRange.blockedFinding(target.ip, allowed: options.allowRanges) {
            report.findings.append(CheckFinding(.address, .warning, blocked))
        }
        let literal = ServerResolution.isIPLiteral(discovery.tlsServerName)
        let sni = literal ? nil : discovery.tlsServerName
        let clock = ContinuousClock()
        let started = clock.now
        let opened: (any Channel, TLSExchange.Handshake, EventLoopPromise<[UInt8]>)
        do {
            opened = try await exchange.open(ip: target.ip, port: target.port, serverName: sni)
        } catch {
            switch error {
            case .connectRefused, .connectTimedOut, .connectFailed:
                report.findings.append(CheckFinding(.connect, .failed, Self.describe(error)))
            default:
                report.findings.append(CheckFinding(.connect, .ok, "connected"))
                report.findings.append(CheckFinding(.tls, .failed, Self.describe(error)))
            }
            return report
        }
        let (channel, handshake, response) = opened
        report.connectMilliseconds = handshake.connectMilliseconds
        report.tlsVersion = handshake.tlsVersion
        report.findings.append(CheckFinding(.connect, .ok, "\(handshake.connectMilliseconds) ms"))
        report.findings.append(CheckFinding(.tls, .ok, handshake.tlsVersion ?? "handshake done"))
        let certificate = await judge.judge(
            chain: handshake.chain, serverName: discovery.tlsServerName, isIPLiteral: literal, now: Date())
        report.certificateDaysLeft = certificate.daysLeft
        report.findings.append(certificate.finding)
        guard certificate.finding.status != .failed else {
            channel.close(promise: nil)
            report.findings.append(CheckFinding(.version, .skipped, "not asked: Synapse would not trust the certificate"))
            report.findings.append(CheckFinding(.keys, .skipped, "not asked"))
            return report
        }
        do {
            let answer = try await exchange.get(
                channel, response: response, host: discovery.hostHeader, path: "/_matrix/federation/v1/version")
            report.totalMilliseconds = milliseconds(clock.now - started)
            let (finding, software) = Self.version(answer)
            report.software = software
            report.findings.append(finding)
        } catch {
            report.findings.append(CheckFinding(.version, .failed, "/version: \(Self.describe(error))"))
        }
        report.findings.append(await keys(target, sni: sni, hostHeader: discovery.hostHeader, server: server))
        return report
    }

    static func version(_ answer: HTTPResponse) -> (CheckFinding, String?) {
        guard answer.status == 200 else {
            return (CheckFinding(.version, .failed, "/version answered HTTP \(answer.status)"), nil)
        }
        guard let server = JSONText.parse(answer.body)?["server"], server.object != nil else {
            return (CheckFinding(.version, .failed, "/version answer is not the expected JSON"), nil)
        }
        let name = String((server["name"]?.string ?? "unknown software").prefix(40))
        let version = server["version"]?.string.map { " " + String($0.prefix(40)) } ?? ""
        return (CheckFinding(.version, .ok, name + version), name + version)
    }

    func keys(_ target: Target, sni: String?, hostHeader: String, server: ServerName) async -> CheckFinding {
        let answer: HTTPResponse
        do {
            let (channel, _, response) = try await exchange.open(ip: target.ip, port: target.port, serverName: sni)
            answer = try await exchange.get(channel, response: response, host: hostHeader, path: "/_matrix/key/v2/server")
        } catch {
            return CheckFinding(.keys, .failed, "key request: \(Self.describe(error))")
        }
        guard answer.status == 200 else { return CheckFinding(.keys, .failed, "key request answered HTTP \(answer.status)") }
        guard let json = JSONText.parse(answer.body), let keys = SigningKeys(json) else {
            return CheckFinding(.keys, .failed, "key answer is not valid JSON")
        }
        return Self.judgeKeys(keys, server: server.rawValue, now: Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)))
    }

    /// The `keys` finding for a parsed key answer: names, expiry, and every self-signature verified.
    static func judgeKeys(_ keys: SigningKeys, server: String, now: Timestamp) -> CheckFinding {
        if let problem = keys.problem(expected: server, now: now) { return CheckFinding(.keys, .failed, problem) }
        for pair in keys.ed25519Pairs {
            guard KeySignature.verify(key: pair.key, signature: pair.signature, message: keys.signedBytes) else {
                return CheckFinding(.keys, .failed, "signature by \(pair.id) does not verify (bad Ed25519 self-signature)")
            }
        }
        let ids = keys.ed25519Pairs.map(\.id).joined(separator: ", ")
        let until = keys.validUntil.map { ", valid until \(TimeText.absolute($0))" } ?? ""
        return CheckFinding(.keys, .ok, "\(ids) signature verified\(until)")
    }
}

/// Ed25519 over Matrix's unpadded base64 keys and signatures.
public enum KeySignature {
    public static func verify(key: String, signature: String, message: [UInt8]) -> Bool {
        guard let keyBytes = UnpaddedBase64.decode(key), let signatureBytes = UnpaddedBase64.decode(signature),
            let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes)
        else { return false }
        return publicKey.isValidSignature(signatureBytes, for: message)
    }

    /// The unpadded base64 signature of `message` by the Ed25519 key with this 32-byte seed (tests and the
    /// spec's examples).
    public static func sign(seed: [UInt8], message: [UInt8]) throws -> String {
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        return UnpaddedBase64.encode(Array(try key.signature(for: message)))
    }
}
