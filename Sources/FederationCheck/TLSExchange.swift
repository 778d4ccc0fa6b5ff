import FedBotCore
import FedBotModels
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One HTTPS request to one address, measured step by step: TCP connect, TLS handshake with the given
/// server name (the presented chain is captured and judged afterwards by `CertificateJudge`, so that an
/// invalid certificate is reported, not just refused), then `GET path` with the spec's Host header.
struct TLSExchange: Sendable {
    let group: any EventLoopGroup
    let timeout: Duration
    let bodyLimit: Int

    enum Failure: Error, Sendable, Equatable {
        case connectRefused
        case connectTimedOut
        case connectFailed(String)
        case tlsTimedOut
        case tlsFailed(String)
        case responseTimedOut
        case responseInvalid
    }

    /// What the connection and handshake showed.
    struct Handshake: Sendable {
        var connectMilliseconds: Int
        var tlsVersion: String?
        /// DER of the presented chain, leaf first.
        var chain: [[UInt8]]
    }

    /// Connects and shakes hands; the channel is returned open for `get`.
    func open(ip: IPAddress, port: Int, serverName: String?) async throws(Failure) -> (any Channel, Handshake, EventLoopPromise<[UInt8]>) {
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: ip.description, port: port)
        } catch {
            throw .connectFailed("invalid address")
        }
        let clock = ContinuousClock()
        let started = clock.now
        let captured = ChainBox()
        let channel: any Channel
        do {
            let connectTimeout = TimeAmount.nanoseconds(Int64(milliseconds(timeout)) * 1_000_000)
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(connectTimeout)
                .connect(to: address).get()
        } catch let error as IOError where error.errnoCode == 111 {
            throw .connectRefused
        } catch let error as ChannelError {
            if case .connectTimeout = error { throw .connectTimedOut }
            throw .connectFailed("\(error)")
        } catch {
            throw .connectFailed(Self.describe(error))
        }
        let connectMilliseconds = milliseconds(clock.now - started)
        let handshake = channel.eventLoop.makePromise(of: Void.self)
        let response = channel.eventLoop.makePromise(of: [UInt8].self)
        var configuration = TLSConfiguration.makeClientConfiguration()
        // The name is judged with the chain afterwards (`CertificateJudge`), so that a wrong name is reported
        // as such and not as a failed handshake.
        configuration.certificateVerification = .noHostnameVerification
        configuration.minimumTLSVersion = .tlsv1
        do {
            let context = try NIOSSLContext(configuration: configuration)
            let limit = bodyLimit + 16_384
            try await channel.eventLoop.submit {
                let tls = try NIOSSLClientHandler(
                    context: context, serverHostname: serverName,
                    customVerificationCallback: { certificates, promise in
                        captured.set(certificates.compactMap { try? $0.toDERBytes() })
                        promise.succeed(.certificateVerified)
                    })
                let collector = ByteCollector(limit: limit, done: response, handshake: handshake) { raw in
                    HTTPResponse.isComplete(raw)
                }
                try channel.pipeline.syncOperations.addHandler(tls)
                try channel.pipeline.syncOperations.addHandler(collector)
            }.get()
        } catch {
            channel.close(promise: nil)
            handshake.fail(error)
            response.fail(error)
            throw .tlsFailed(Self.describe(error))
        }
        do {
            try await withTimeout(timeout) { try await value(of: handshake) }
        } catch is StepTimedOut {
            channel.close(promise: nil)
            handshake.fail(StepTimedOut())
            response.fail(StepTimedOut())
            throw .tlsTimedOut
        } catch {
            channel.close(promise: nil)
            response.fail(error)
            throw .tlsFailed(Self.describe(error))
        }
        let version = try? await channel.nioSSL_tlsVersion().get()
        let shake = Handshake(
            connectMilliseconds: connectMilliseconds, tlsVersion: version.map(Self.name),
            chain: captured.get())
        return (channel, shake, response)
    }

    /// Sends `GET path` and reads the answer to the end (at most `bodyLimit` bytes of body).
    func get(_ channel: any Channel, response: EventLoopPromise<[UInt8]>, host: String, path: String) async throws(Failure)
        -> HTTPResponse
    {
        defer { channel.close(promise: nil) }
        let request =
            "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: fedbot-check\r\nAccept: application/json\r\n"
            + "Connection: close\r\n\r\n"
        do {
            try await channel.writeAndFlush(channel.allocator.buffer(string: request)).get()
            let raw = try await withTimeout(timeout) { try await value(of: response) }
            guard let parsed = HTTPResponse(raw: raw, limit: bodyLimit) else { throw Failure.responseInvalid }
            return parsed
        } catch is StepTimedOut {
            throw .responseTimedOut
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .responseInvalid
        }
    }

    static func name(_ version: TLSVersion) -> String {
        switch version {
        case .tlsv1: "TLS 1.0"
        case .tlsv11: "TLS 1.1"
        case .tlsv12: "TLS 1.2"
        case .tlsv13: "TLS 1.3"
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? IOError {
            switch error.errnoCode {
            case 101: return "network unreachable"
            case 113: return "no route to host"
            case 111: return "connection refused"
            default: return "connection failed (errno \(error.errnoCode))"
            }
        }
        if let error = error as? NIOSSLError { return "TLS handshake failed (\(error))" }
        if let error = error as? BoringSSLError { return "TLS handshake failed (\(error))" }
        if error is ChannelError { return "connection closed during the handshake" }
        return String("\(error)".prefix(120))
    }
}

/// The chain the verification callback saw, handed from the event loop to the check.
final class ChainBox: Sendable {
    private let chain = Mutex<[[UInt8]]>([])
    func set(_ value: [[UInt8]]) { chain.withLock { $0 = value } }
    func get() -> [[UInt8]] { chain.withLock { $0 } }
}
