/// An error from a Matrix homeserver or from the way to it.
///
/// Keeps what callers branch on: the HTTP status, the Matrix `errcode`, the server's message and
/// how long to wait after a rate limit. The message never contains an access token.
public struct MatrixError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarsely.
    public enum Kind: Sendable, Equatable {
        /// The server answered with an HTTP error status.
        case http
        /// The request did not complete before its deadline.
        case timeout
        /// Nothing listens at the address (TCP connection refused).
        case connectionRefused
        /// Another transport problem: DNS, TLS, a connection closed without a response.
        case transport
        /// The server answered 2xx with a body that is not what the API documents.
        case invalidResponse
    }

    public var kind: Kind
    /// HTTP status, when the server answered.
    public var status: Int?
    /// Matrix error code such as `M_FORBIDDEN`, when the body was a Matrix error.
    public var errcode: String?
    /// The server's human-readable message, or a description of the transport failure.
    public var message: String
    /// How long the server asked us to wait (429 `retry_after_ms` or `Retry-After`).
    public var retryAfter: Duration?
    /// `soft_logout` of a 401: the token expired but the device lives on.
    public var softLogout: Bool
    /// The request that failed, as `METHOD /path` without query or token.
    public var request: String

    /// The longest wait a server can ask for: `retryAfter` never exceeds it.
    public static let longestRetryAfter: Duration = .seconds(60)
    /// The shortest: a server asking for (nearly) no wait again and again must not get a flood of retries.
    public static let shortestRetryAfter: Duration = .milliseconds(100)

    public init(
        kind: Kind, status: Int? = nil, errcode: String? = nil, message: String, retryAfter: Duration? = nil,
        softLogout: Bool = false, request: String = ""
    ) {
        self.kind = kind
        self.status = status
        self.errcode = errcode
        self.message = message
        self.retryAfter = retryAfter
        self.softLogout = softLogout
        self.request = request
    }

    public var description: String {
        var parts: [String] = []
        if !request.isEmpty { parts.append(request) }
        if let status { parts.append("HTTP \(status)") }
        if let errcode { parts.append(errcode) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }

    /// 401 `M_UNKNOWN_TOKEN` / `M_MISSING_TOKEN`: retrying cannot help.
    public var isAuthenticationFailure: Bool {
        status == 401 || errcode == "M_UNKNOWN_TOKEN" || errcode == "M_MISSING_TOKEN"
    }

    /// 429, or `M_LIMIT_EXCEEDED` under another status.
    public var isRateLimited: Bool { status == 429 || errcode == "M_LIMIT_EXCEEDED" }

    /// Worth retrying for an idempotent request: transport trouble, timeouts, 5xx and 429.
    public var isTransient: Bool {
        switch kind {
        case .timeout, .connectionRefused, .transport: return true
        case .invalidResponse: return false
        case .http:
            guard let status else { return false }
            return status >= 500 || isRateLimited
        }
    }
}
