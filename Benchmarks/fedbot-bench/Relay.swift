import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback TCP relay in front of homeserver A's client port: `fedbot run` talks to it instead of A,
/// and it timestamps the first time a request line starting with `marker` goes through
/// (`GET /_matrix/client/v3/sync`). Bytes are forwarded unchanged in both directions; one thread per
/// direction per connection (the bot opens a handful).
final class TCPRelay: Sendable {
    let port: UInt16
    private let targetPort: UInt16
    private let listener: Int32
    private let marker: [UInt8]
    private let state = Mutex<(marks: [ContinuousClock.Instant], connections: Int, closed: Bool)>(([], 0, false))

    init(targetPort: UInt16, marker: String = "GET /_matrix/client/v3/sync") throws {
        self.targetPort = targetPort
        self.marker = Array(marker.utf8)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("relay: socket() failed: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw BenchError("relay: bind/listen failed: errno \(errno)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: actual.sin_port)
        listener = fd
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// When the first request with the marker went through, nil before.
    var firstMarkerSeen: ContinuousClock.Instant? { state.withLock { $0.marks.first } }

    /// Every time the marker went through since the last reset (at most 16).
    var markers: [ContinuousClock.Instant] { state.withLock { $0.marks } }

    /// Connections accepted so far.
    var connections: Int { state.withLock { $0.connections } }

    /// Forgets the timestamp (for the next spawn).
    func resetMarker() {
        state.withLock { $0.marks.removeAll() }
    }

    func stop() {
        let wasClosed = state.withLock { state -> Bool in
            defer { state.closed = true }
            return state.closed
        }
        if !wasClosed {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
        }
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: targetPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if upstream < 0 || connected != 0 {
                close(client)
                if upstream >= 0 { close(upstream) }
                continue
            }
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            setsockopt(upstream, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            state.withLock { $0.connections += 1 }
            let pair = SocketPair(client, upstream)
            Thread.detachNewThread { [self] in
                pump(from: client, to: upstream, scan: true)
                pair.finished()
            }
            Thread.detachNewThread { [self] in
                pump(from: upstream, to: client, scan: false)
                pair.finished()
            }
        }
    }

    /// Copies until EOF, then half-closes the other side; the second pump to finish closes both.
    private func pump(from source: Int32, to sink: Int32, scan: Bool) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var tail: [UInt8] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            if scan {
                let now = ContinuousClock.now
                let chunk = tail + buffer[0..<count]
                let found = Self.occurrences(chunk, marker)
                if found > 0 {
                    state.withLock { state in
                        for _ in 0..<found where state.marks.count < 16 { state.marks.append(now) }
                    }
                }
                // Shorter than the marker: a marker is never counted twice, and one split across reads is found.
                tail = Array(chunk.suffix(marker.count - 1))
            }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes {
                    write(sink, $0.baseAddress?.advanced(by: offset), count - offset)
                }
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { break }
                offset += written
            }
            if offset < count { break }
        }
        shutdown(sink, Int32(SHUT_WR))
        shutdown(source, Int32(SHUT_RD))
    }

    private static func occurrences(_ haystack: [UInt8], _ needle: [UInt8]) -> Int {
        guard !needle.isEmpty, haystack.count >= needle.count else { return 0 }
        let first = needle[0]
        var index = 0
        var found = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) {
                found += 1
                index += needle.count
            } else {
                index += 1
            }
        }
        return found
    }
}

/// Both ends of one relayed connection: closed when both directions are done.
private final class SocketPair: Sendable {
    let a: Int32
    let b: Int32
    private let done = Mutex(0)

    init(_ a: Int32, _ b: Int32) {
        self.a = a
        self.b = b
    }

    func finished() {
        let both = done.withLock { count -> Bool in
            count += 1
            return count == 2
        }
        if both {
            close(a)
            close(b)
        }
    }
}
