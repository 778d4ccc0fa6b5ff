import FedBotCore
import FedBotModels
import Foundation
import NIOCore

/// `https://<name>/.well-known/matrix/server` and `…/support`: https only, redirects followed up to
/// Synapse's limit, bodies capped at Synapse's 50 KiB, the certificate judged as for federation.
extension FederationChecker {
    enum Fetched: Sendable {
        case answer(HTTPResponse)
        case unreachable(String)
        case tlsProblem(String)
        case tooManyRedirects
        case insecureRedirect
    }

    func fetchDelegation(_ host: String) async -> WellKnown.Delegation {
        switch await fetchWellKnown(host: host, path: "/.well-known/matrix/server") {
        case .answer(let response) where response.truncated:
            return .invalid("well-known file is bigger than \(WellKnown.maximumBody / 1024) KiB")
        case .answer(let response): return WellKnown.delegation(status: response.status, body: response.body)
        case .unreachable(let why): return .none("no well-known file: \(why)")
        case .tlsProblem(let says): return .invalid("well-known file: \(says)")
        case .tooManyRedirects: return .invalid("well-known file: more than \(WellKnown.maximumRedirects) redirects")
        case .insecureRedirect: return .invalid("well-known file redirects to a non-https URL")
        }
    }

    func fetchSupport(_ server: ServerName) async -> (SupportContacts?, CheckFinding) {
        let host = server.host.hasPrefix("[") ? String(server.host.dropFirst().dropLast()) : server.host
        guard case .answer(let response) = await fetchWellKnown(host: host, path: "/.well-known/matrix/support"),
            !response.truncated
        else {
            return (nil, WellKnown.supportFinding(status: nil, body: [], contacts: nil))
        }
        let contacts = WellKnown.support(status: response.status, body: response.body)
        return (contacts, WellKnown.supportFinding(status: response.status, body: response.body, contacts: contacts))
    }

    func fetchWellKnown(host: String, path: String) async -> Fetched {
        var (host, port, path) = (host, 443, path)
        for _ in 0...WellKnown.maximumRedirects {
            let fetched = await fetchOnce(host: host, port: port, path: path)
            guard case .answer(let response) = fetched, [301, 302, 303, 307, 308].contains(response.status),
                let location = response.headers["location"]
            else { return fetched }
            if location.hasPrefix("/") {
                path = location
            } else if location.lowercased().hasPrefix("https://") {
                let rest = location.dropFirst("https://".count)
                let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
                guard let name = ServerName(String(authority)) else { return .insecureRedirect }
                host = name.host.hasPrefix("[") ? String(name.host.dropFirst().dropLast()) : name.host
                port = name.port ?? 443
                let remainder = rest.dropFirst(authority.count)
                path = remainder.isEmpty ? "/" : String(remainder)
            } else {
                return .insecureRedirect
            }
        }
        return .tooManyRedirects
    }

    private func fetchOnce(host: String, port: Int, path: String) async -> Fetched {
        var addresses: [IPAddress]
        if let ip = IPAddress(host) {
            addresses = [ip]
        } else {
            do {
                addresses = try await dns.addresses(host)
            } catch {
                return .unreachable(Self.text(error))
            }
        }
        guard !addresses.isEmpty else { return .unreachable("\(host) has no address") }
        var lastProblem = "unreachable"
        for ip in addresses.prefix(2) {
            do {
                let literal = IPAddress(host) != nil
                let (channel, handshake, response) = try await exchange.open(
                    ip: ip, port: port, serverName: literal ? nil : host)
                let verdict = await judge.judge(chain: handshake.chain, serverName: host, isIPLiteral: literal, now: Date())
                if verdict.finding.status == .failed {
                    channel.close(promise: nil)
                    return .tlsProblem(verdict.finding.says)
                }
                let hostHeader = port == 443 ? host : "\(host):\(port)"
                let answer = try await exchange.get(channel, response: response, host: hostHeader, path: path)
                return .answer(
                    HTTPResponse(status: answer.status, headers: answer.headers, body: answer.body,
                        truncated: answer.truncated || answer.body.count > WellKnown.maximumBody))
            } catch {
                lastProblem = Self.describe(error)
            }
        }
        return .unreachable(lastProblem)
    }

    static func describe(_ failure: TLSExchange.Failure) -> String {
        switch failure {
        case .connectRefused: "connection refused"
        case .connectTimedOut: "connection timed out"
        case .connectFailed(let why): why
        case .tlsTimedOut: "TLS handshake timed out"
        case .tlsFailed(let why): why
        case .responseTimedOut: "no answer: timed out"
        case .responseInvalid: "not an HTTP answer"
        }
    }

    static func describe(_ error: any Error) -> String {
        (error as? TLSExchange.Failure).map { describe($0) } ?? "failed"
    }
}
