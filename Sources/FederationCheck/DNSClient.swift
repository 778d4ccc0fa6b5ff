import FedBotCore
import NIOCore
import NIOPosix

/// A small stub resolver over SwiftNIO: one question per UDP datagram, the same over TCP when the answer
/// comes back truncated, each exchange bounded by `timeout`. It asks `servers` in turn (the configured
/// `diagnostics.resolver`, else the `nameserver` lines of /etc/resolv.conf).
struct DNSClient: Sendable {
    let servers: [SocketAddress]
    let timeout: Duration
    let group: any EventLoopGroup

    enum Failure: Error, Equatable, Sendable {
        /// NXDOMAIN: the name does not exist.
        case noSuchName
        /// SERVFAIL, REFUSED or another error code.
        case serverError(Int)
        /// No answer within the timeout from any server.
        case timedOut
        /// No resolver to ask.
        case noResolver
    }

    /// The answer records for `name` and `type` (empty when the name exists without such records).
    func query(_ name: String, _ type: DNSMessage.RecordType) async throws(Failure) -> [DNSMessage.Record] {
        guard !servers.isEmpty else { throw .noResolver }
        var lastFailure = Failure.timedOut
        for server in servers.prefix(3) {
            do {
                let answer = try await exchange(name, type, server: server)
                switch answer.rcode {
                case 0: return answer.records
                case 3: throw Failure.noSuchName
                default: lastFailure = .serverError(answer.rcode)
                }
            } catch let failure as Failure {
                throw failure
            } catch {
                lastFailure = .timedOut
            }
        }
        throw lastFailure
    }

    /// A and AAAA of `host` (CNAMEs followed, up to 8), IPv6 after IPv4.
    func addresses(_ host: String) async throws(Failure) -> [IPAddress] {
        async let v4 = capture(host, .a)
        async let v6 = capture(host, .aaaa)
        let (four, six) = await (v4, v6)
        let found = ((try? four.get()) ?? []) + ((try? six.get()) ?? [])
        if !found.isEmpty { return found }
        if case .failure(let failure) = four { throw failure }
        if case .failure(let failure) = six { throw failure }
        return []
    }

    private func capture(_ host: String, _ type: DNSMessage.RecordType) async -> Result<[IPAddress], Failure> {
        do {
            return .success(try await follow(host, type))
        } catch {
            return .failure(error)
        }
    }

    private func follow(_ host: String, _ type: DNSMessage.RecordType) async throws(Failure) -> [IPAddress] {
        var name = host
        for _ in 0..<8 {
            let records = try await query(name, type)
            let addresses = records.compactMap { record -> IPAddress? in
                if case .address(let bytes) = record.answer { return IPAddress(bytes: bytes) }
                return nil
            }
            if !addresses.isEmpty { return addresses }
            let alias = records.lazy.compactMap { record -> String? in
                if case .cname(let target) = record.answer { return target }
                return nil
            }.first
            guard let alias else { return [] }
            name = alias
        }
        return []
    }

    private func exchange(_ name: String, _ type: DNSMessage.RecordType, server: SocketAddress) async throws
        -> DNSMessage
    {
        let id = UInt16.random(in: 0...UInt16.max)
        let query = DNSMessage.query(id: id, name: name, type: type)
        let udp = try await withTimeout(timeout) { [group] in
            try await Self.udp(query, id: id, server: server, group: group)
        }
        guard udp.truncated else { return udp }
        return try await withTimeout(timeout) { [group] in
            try await Self.tcp(query, server: server, group: group, timeout: timeout)
        }
    }

    private static func udp(_ query: [UInt8], id: UInt16, server: SocketAddress, group: any EventLoopGroup)
        async throws -> DNSMessage
    {
        let promise = group.next().makePromise(of: [UInt8].self)
        let bind = server.protocol == .inet6 ? "::" : "0.0.0.0"
        let channel = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramAnswer(id: id, done: promise))
                }
            }
            .bind(host: bind, port: 0).get()
        return try await withTaskCancellationHandler {
            defer { channel.close(promise: nil) }
            let envelope = AddressedEnvelope(remoteAddress: server, data: channel.allocator.buffer(bytes: query))
            try await channel.writeAndFlush(envelope).get()
            return try DNSMessage(parsing: try await promise.futureResult.get())
        } onCancel: {
            promise.fail(CancellationError())
            channel.close(promise: nil)
        }
    }

    private static func tcp(_ query: [UInt8], server: SocketAddress, group: any EventLoopGroup, timeout: Duration)
        async throws
        -> DNSMessage
    {
        let promise = group.next().makePromise(of: [UInt8].self)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(Int64(milliseconds(timeout))))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteCollector(limit: 65_537, done: promise) { bytes in
                            bytes.count >= 2 && bytes.count >= 2 + (Int(bytes[0]) << 8 | Int(bytes[1]))
                        })
                }
            }
            .connect(to: server).get()
        return try await withTaskCancellationHandler {
            defer { channel.close(promise: nil) }
            let framed = [UInt8(query.count >> 8), UInt8(query.count & 0xFF)] + query
            try await channel.writeAndFlush(channel.allocator.buffer(bytes: framed)).get()
            let bytes = try await promise.futureResult.get()
            guard bytes.count > 2 else { throw Failure.timedOut }
            return try DNSMessage(parsing: Array(bytes.dropFirst(2)))
        } onCancel: {
            promise.fail(CancellationError())
            channel.close(promise: nil)
        }
    }

    /// `nameserver` lines of resolv.conf text, at most three (as glibc), on port 53.
    static func nameservers(resolvConf text: String) -> [SocketAddress] {
        text.split(separator: "\n").compactMap { line in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 2, words[0] == "nameserver" else { return nil }
            let host = words[1].split(separator: "%")[0]
            return try? SocketAddress(ipAddress: String(host), port: 53)
        }.prefix(3).map { $0 }
    }
}

/// Takes the first datagram that answers our query id.
private final class DatagramAnswer: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let id: UInt16
    let done: EventLoopPromise<[UInt8]>

    init(id: UInt16, done: EventLoopPromise<[UInt8]>) {
        self.id = id
        self.done = done
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var envelope = unwrapInboundIn(data)
        guard let bytes = envelope.data.readBytes(length: envelope.data.readableBytes), bytes.count >= 12,
            UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == id
        else { return }
        done.succeed(bytes)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
    }
}
