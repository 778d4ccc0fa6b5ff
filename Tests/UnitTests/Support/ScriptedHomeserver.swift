import FedBotModels
import Foundation
import MatrixClient
import Synchronization

/// A homeserver behind the `HTTPTransport` seam that answers from a script: each route (method and a
/// piece of the decoded path) has a queue of replies, then optionally a reply it repeats. A request whose
/// route has nothing to answer waits until the test adds a reply (a long-poll `/sync` does that) or the
/// request is cancelled (it waits without polling); a request no route matches gets 404 `M_UNRECOGNIZED`. Every request is recorded.
final class ScriptedHomeserver: HTTPTransport {
    struct Request: Sendable {
        var method: HTTPRequest.Method
        /// Percent-decoded path, without the query.
        var path: String
        var query: String
        var body: Data?

        var json: JSONValue? { body.flatMap { try? JSONDecoder().decode(JSONValue.self, from: $0) } }
    }

    private struct Route {
        var method: HTTPRequest.Method
        var pathPart: String
        var queue: [HTTPResponse]
        var repeating: HTTPResponse?
    }

    private struct State {
        var routes: [Route] = []
        var requests: [Request] = []
        /// Routes answered by a function of the request (path ending in the key), before `routes`.
        var handlers: [(method: HTTPRequest.Method, pathSuffix: String, answer: @Sendable (Request) -> HTTPResponse)] =
            []
        /// Requests waiting for a reply to be added (woken by `on`, which adds replies).
        var waiting: [UUID: CheckedContinuation<Void, any Error>] = [:]
        /// Bumped by every `on`: a request that found nothing to answer and sees it changed looks again.
        var generation = 0
    }

    private let state = Mutex(State())

    /// Answers `method` requests whose path contains `pathPart` with `replies` in turn, then `repeating`
    /// forever (or, without it, holds the request until more replies are added).
    func on(
        _ method: HTTPRequest.Method, _ pathPart: String, _ replies: HTTPResponse..., repeating: HTTPResponse? = nil
    ) {
        let waiting = state.withLock { state in
            if let index = state.routes.firstIndex(where: { $0.method == method && $0.pathPart == pathPart }) {
                state.routes[index].queue += replies
                if let repeating { state.routes[index].repeating = repeating }
            } else {
                state.routes.append(Route(method: method, pathPart: pathPart, queue: replies, repeating: repeating))
            }
            state.generation += 1
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        // Every held request looks again (without polling: a held long-poll costs nothing while it waits).
        for continuation in waiting { continuation.resume() }
    }

    /// Answers `method` requests whose path ends in `pathSuffix` with `answer(request)` (a server whose
    /// answer depends on the query), before any route added with `on`.
    func answer(
        _ method: HTTPRequest.Method, _ pathSuffix: String, _ answer: @escaping @Sendable (Request) -> HTTPResponse
    ) {
        state.withLock { $0.handlers.append((method, pathSuffix, answer)) }
    }

    /// Every request so far, in order.
    var requests: [Request] { state.withLock { $0.requests } }

    func requests(_ method: HTTPRequest.Method, _ pathPart: String) -> [Request] {
        requests.filter { $0.method == method && $0.path.contains(pathPart) }
    }

    func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        let parts = request.url.split(separator: "?", maxSplits: 1).map(String.init)
        let rawPath = parts[0].replacing(/^https?:\/\/[^\/]+/, with: "")
        let recorded = Request(
            method: request.method, path: rawPath.removingPercentEncoding ?? rawPath,
            query: parts.count > 1 ? parts[1] : "", body: request.body)
        let handler = state.withLock { state in
            state.requests.append(recorded)
            return state.handlers.first { $0.method == recorded.method && recorded.path.hasSuffix($0.pathSuffix) }
        }
        if let handler { return handler.answer(recorded) }
        while true {
            try Task.checkCancellation()
            let (answer, generation) = state.withLock { state -> (HTTPResponse??, Int) in
                guard
                    let index = state.routes.firstIndex(where: {
                        $0.method == recorded.method && recorded.path.contains($0.pathPart)
                    })
                else { return (.some(nil), state.generation) }
                if !state.routes[index].queue.isEmpty { return (state.routes[index].queue.removeFirst(), 0) }
                return (state.routes[index].repeating.map { .some($0) } ?? nil, state.generation)
            }
            switch answer {
            case .some(.some(let response)): return response
            case .some(.none):
                return Self.reply(404, #"{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}"#)
            case .none:
                try await waitForReplies(after: generation)
            }
        }
    }

    /// Returns once `on` added replies after `generation` (at once if it already did), or throws
    /// `CancellationError` when the request is cancelled.
    private func waitForReplies(after generation: Int) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.generation != generation { return .success(()) }
                    state.waiting[id] = continuation
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let continuation = state.withLock { $0.waiting.removeValue(forKey: id) }
            continuation?.resume(throwing: CancellationError())
        }
    }

    static func reply(_ status: Int, _ json: String, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: Data(json.utf8))
    }
}
