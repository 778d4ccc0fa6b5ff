public import FedBotModels
public import Foundation
public import Logging

/// A base URL, an access token and a transport: what every call to a homeserver (client-server or
/// admin API) goes through. It builds URLs with percent-encoded path segments, adds the bearer token,
/// turns error bodies into `MatrixError` and retries idempotent requests.
///
/// The token never appears in URLs, logs or errors.
public struct HomeserverConnection: Sendable {
    /// Base URL without a trailing slash, e.g. `https://matrix.example.org`.
    public let baseURL: String
    private let accessToken: String?
    public let transport: any HTTPTransport
    public let logger: Logger
    private let clock: any Clock<Duration>

    /// - Parameters:
    ///   - baseURL: `http(s)://host[:port][/prefix]`; a trailing slash is ignored.
    ///   - accessToken: sent as `Authorization: Bearer`; nil for unauthenticated endpoints.
    ///   - clock: sleeps between retries (tests inject their own).
    public init(
        baseURL: String, accessToken: String?, transport: any HTTPTransport, logger: Logger,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.accessToken = accessToken
        self.transport = transport
        self.logger = logger
        self.clock = clock
    }

    /// The same homeserver with another token (or none).
    public func with(accessToken: String?) -> HomeserverConnection {
        HomeserverConnection(
            baseURL: baseURL, accessToken: accessToken, transport: transport, logger: logger, clock: clock)
    }

    /// Whether a token is configured (its value is never exposed).
    public var hasAccessToken: Bool { accessToken?.isEmpty == false }

    /// Builds `baseURL/seg1/seg2?k=v`, percent-encoding every segment and query value.
    public func url(_ segments: [String], query: [(String, String)] = []) -> String {
        var url = baseURL
        for segment in segments {
            url += "/" + segment.percentEncodedComponent
        }
        if !query.isEmpty {
            url +=
                "?"
                + query.map { "\($0.0.percentEncodedComponent)=\($0.1.percentEncodedComponent)" }.joined(separator: "&")
        }
        return url
    }

    /// Sends one request and returns the 2xx response; any other status becomes a `MatrixError`.
    /// Retries per `retry` (idempotent requests only), honouring 429 waits.
    public func send(
        _ method: HTTPRequest.Method, _ segments: [String], query: [(String, String)] = [], body: Data? = nil,
        timeout: Duration = .seconds(30), maxResponseBytes: Int = 64 << 20, retry: RetryPolicy
    ) async throws -> HTTPResponse {
        var headers: [(name: String, value: String)] = [(name: "Accept", value: "application/json")]
        if let accessToken, !accessToken.isEmpty {
            headers.append((name: "Authorization", value: "Bearer \(accessToken)"))
        }
        if body != nil {
            headers.append((name: "Content-Type", value: "application/json"))
        }
        let request = HTTPRequest(
            method: method, url: url(segments, query: query), headers: headers, body: body, timeout: timeout,
            maxResponseBytes: maxResponseBytes)
        let label = "\(method.rawValue) /" + segments.map(\.percentEncodedComponent).joined(separator: "/")
        var attempt = 1
        while true {
            let error: MatrixError
            do {
                let response = try await transport.perform(request)
                if (200..<300).contains(response.status) { return response }
                error = Self.error(from: response, request: label)
            } catch let transportError as MatrixError {
                error = transportError
            }
            guard let delay = retry.delay(afterAttempt: attempt, error: error) else { throw error }
            logger.debug(
                "Retrying request",
                metadata: ["request": "\(label)", "attempt": "\(attempt)", "error": "\(error)", "delay": "\(delay)"])
            try await clock.sleep(for: delay)
            attempt += 1
        }
    }

    /// Sends a request and decodes its JSON body.
    ///
    /// - Parameter fastPath: a reader for a hot response shape that returns nil for anything it cannot read
    ///   exactly; `JSONDecoder` then decodes the body as usual (and reports what is wrong with it).
    public func json<Response: Decodable>(
        _ type: Response.Type, _ method: HTTPRequest.Method, _ segments: [String], query: [(String, String)] = [],
        body: Data? = nil, timeout: Duration = .seconds(30), maxResponseBytes: Int = 64 << 20, retry: RetryPolicy,
        fastPath: ((Data) -> Response?)? = nil
    ) async throws -> Response {
        let response = try await send(
            method, segments, query: query, body: body, timeout: timeout, maxResponseBytes: maxResponseBytes,
            retry: retry)
        if let fastPath, let value = fastPath(response.body) { return value }
        do {
            return try JSONDecoder().decode(Response.self, from: response.body)
        } catch {
            throw MatrixError(
                kind: .invalidResponse, status: response.status,
                message: "unexpected response body (\(Self.describe(error)))",
                request: "\(method.rawValue) /" + segments.map(\.percentEncodedComponent).joined(separator: "/"))
        }
    }

    /// Encodes a JSON body.
    public static func body(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Maps a non-2xx response to a `MatrixError`, reading the standard error body when there is one.
    public static func error(from response: HTTPResponse, request: String) -> MatrixError {
        struct Body: Decodable {
            var errcode: String?
            var error: String?
            var retry_after_ms: Int64?
            var soft_logout: Bool?
        }
        let body = try? JSONDecoder().decode(Body.self, from: response.body)
        // A server-supplied wait is clamped to `MatrixError.shortestRetryAfter`…`longestRetryAfter`: a day-long
        // (or Int64.max) wait would stop syncing or sending for that long, and a zero or negative one would
        // turn the retry into a flood. A value that is not a positive number is no hint at all (nil): the
        // caller's own backoff applies.
        var retryAfter: Duration?
        if let ms = body?.retry_after_ms, ms > 0 { retryAfter = Self.clampedWait(milliseconds: ms) }
        if let header = response.header("Retry-After"),
            let seconds = Int64(header.trimmingCharacters(in: .whitespaces)),
            seconds > 0
        {
            let fromHeader = Self.clampedWait(milliseconds: seconds > Int64.max / 1000 ? .max : seconds * 1000)
            retryAfter = max(retryAfter ?? .zero, fromHeader)
        }
        let message: String
        if let text = body?.error, !text.isEmpty {
            message = text
        } else if body?.errcode == nil {
            message = "the server answered HTTP \(response.status) without a Matrix error body"
        } else {
            message = "HTTP \(response.status)"
        }
        return MatrixError(
            kind: .http, status: response.status, errcode: body?.errcode, message: message, retryAfter: retryAfter,
            softLogout: body?.soft_logout ?? false, request: request)
    }

    private static func clampedWait(milliseconds: Int64) -> Duration {
        min(max(.milliseconds(milliseconds), MatrixError.shortestRetryAfter), MatrixError.longestRetryAfter)
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing key \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "bad value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty: "not JSON"
        case DecodingError.dataCorrupted(let context):
            "invalid data at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: "not JSON"
        }
    }
}
