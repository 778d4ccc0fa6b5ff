import FedBotModels
import Foundation
import MatrixClient
import Synchronization

/// Wraps the real transport: counts requests and response bytes, and (when asked) logs each request
/// with its start and end on the `ContinuousClock`, keeping `/sync` bodies to find which response
/// delivered an event.
final class MeteredTransport: HTTPTransport {
    struct Entry: Sendable {
        var method: String
        /// The URL, percent-decoded, without the query.
        var path: String
        var start: ContinuousClock.Instant
        var end: ContinuousClock.Instant
        var status: Int
        var bytes: Int
        /// Kept for `GET …/sync` and the admin API only.
        var body: Data?

        var isAdmin: Bool { path.contains("/_synapse/admin/") }
        var isSync: Bool { method == "GET" && path.hasSuffix("/_matrix/client/v3/sync") }
    }

    struct Counters: Sendable {
        var requests = 0
        var bytes = 0
    }

    let inner: any HTTPTransport
    private let state = Mutex<(counters: Counters, logging: Bool, entries: [Entry])>((Counters(), false, []))
    /// Reply PUTs (`fedbot.reply.<event id>`) that finished, and who waits for one.
    private let replies = Mutex<(done: Set<String>, waiters: [String: CheckedContinuation<Void, Never>])>(([], [:]))

    init(_ inner: any HTTPTransport = AsyncHTTPClientTransport(), logging: Bool = false) {
        self.inner = inner
        state.withLock { $0.logging = logging }
    }

    func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        let start = ContinuousClock.now
        let response = try await inner.perform(request)
        let end = ContinuousClock.now
        state.withLock { state in
            state.counters.requests += 1
            state.counters.bytes += response.body.count
            if state.logging {
                let path = Self.path(request.url)
                var entry = Entry(
                    method: request.method.rawValue, path: path, start: start, end: end, status: response.status,
                    bytes: response.body.count, body: nil)
                if entry.isSync || entry.isAdmin { entry.body = response.body }
                state.entries.append(entry)
            }
        }
        if request.method == .put, let range = request.url.range(of: "fedbot.reply.") {
            let eventID = String(request.url[range.upperBound...]).removingPercentEncoding ?? ""
            let waiter = replies.withLock { replies -> CheckedContinuation<Void, Never>? in
                if let waiter = replies.waiters.removeValue(forKey: eventID) { return waiter }
                replies.done.insert(eventID)
                return nil
            }
            waiter?.resume()
        }
        return response
    }

    /// Returns once the bot's reply PUT for `eventID` has finished (or after `timeout`).
    func waitForReplyPUT(to eventID: String, timeout: Duration = .seconds(60)) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = replies.withLock { replies -> Bool in
                if replies.done.remove(eventID) != nil { return true }
                replies.waiters[eventID] = continuation
                return false
            }
            if now {
                continuation.resume()
                return
            }
            Task { [self] in
                try? await Task.sleep(for: timeout)
                let late = replies.withLock { $0.waiters.removeValue(forKey: eventID) }
                late?.resume()
            }
        }
    }

    /// Counters since the last reset.
    var counters: Counters { state.withLock { $0.counters } }

    func resetCounters() {
        state.withLock { $0.counters = Counters() }
    }

    /// Runs `body` and returns what it cost.
    func measure<T>(_ body: () async throws -> T) async rethrows -> (value: T, requests: Int, bytes: Int) {
        resetCounters()
        let value = try await body()
        let counters = self.counters
        return (value, counters.requests, counters.bytes)
    }

    var entries: [Entry] { state.withLock { $0.entries } }

    func clearEntries() {
        state.withLock { $0.entries.removeAll() }
    }

    static func path(_ url: String) -> String {
        var text = url
        if let query = text.firstIndex(of: "?") { text = String(text[..<query]) }
        return text.removingPercentEncoding ?? text
    }
}
