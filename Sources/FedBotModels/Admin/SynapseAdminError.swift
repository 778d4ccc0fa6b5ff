/// Errors of the Synapse admin API, each saying what a person should do about it.
public enum SynapseAdminError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No access token was sent (401 `M_MISSING_TOKEN`).
    case missingToken
    /// The token is unknown or was logged out (401 `M_UNKNOWN_TOKEN`).
    case invalidToken
    /// The token belongs to a user who is not a server admin (403 on an admin endpoint).
    case notServerAdmin
    /// Synapse has no row for this destination (404 `M_NOT_FOUND`).
    case unknownDestination(String)
    /// The room is unknown to the homeserver (404 on the room details endpoint).
    case unknownRoom(String)
    /// The admin API is not served at this URL (404 `M_UNRECOGNIZED` or a non-Matrix 404): a reverse
    /// proxy that does not route `/_synapse/admin`, or not a Synapse.
    case adminAPIUnavailable(status: Int)
    /// Synapse refused the request (400) with its errcode and message.
    case badRequest(errcode: String?, message: String)
    /// Still rate limited after waiting as long as allowed.
    case rateLimited(retryAfter: Duration?)
    /// Synapse failed (5xx).
    case serverError(status: Int, message: String)
    /// Synapse did not answer in time.
    case timeout
    /// Nothing listens at the configured URL.
    case connectionRefused(url: String)
    /// Any other network failure (DNS, TLS, connection closed).
    case transport(String)
    /// Synapse answered with something that is not what the API documents.
    case invalidResponse(String)
    /// Refused before sending: the input is not a valid server name.
    case invalidServerName(String)
    /// Refused before sending: another argument is out of range.
    case invalidArgument(String)
    /// The task was cancelled (shutdown) before the answer came.
    case cancelled

    public var description: String {
        switch self {
        case .missingToken:
            "no admin access token was sent: set admin_api.access_token (or FEDBOT_ADMIN_TOKEN)"
        case .invalidToken:
            "the admin access token is not valid (unknown or logged out): get a new one with `fedbot login`"
        case .notServerAdmin:
            "the admin token's user is not a server admin: make the bot account an admin or set admin_api.access_token"
        case .unknownDestination(let name):
            "\(name) is not a known destination (Synapse has never federated with it; names are case-sensitive)"
        case .unknownRoom(let room):
            "\(room) is not a room this homeserver knows"
        case .adminAPIUnavailable(let status):
            "the Synapse admin API is not reachable at this URL (HTTP \(status)): check admin_api.url and that your reverse proxy routes /_synapse/admin"
        case .badRequest(let errcode, let message):
            "Synapse refused the request: \(message)\(errcode.map { " (\($0))" } ?? "")"
        case .rateLimited(let retryAfter):
            "Synapse is rate limiting the admin API\(retryAfter.map { ", retry after \($0)" } ?? ""): try again later"
        case .serverError(let status, let message):
            "Synapse failed with HTTP \(status): \(message)"
        case .timeout:
            "Synapse did not answer in time"
        case .connectionRefused(let url):
            "cannot connect to \(url): is Synapse running and admin_api.url right?"
        case .transport(let message):
            "cannot reach Synapse: \(message)"
        case .invalidResponse(let message):
            "Synapse answered with something unexpected: \(message)"
        case .invalidServerName(let input):
            "\(input) is not a server name (expected example.org, example.org:8448, 1.2.3.4 or [::1]:8448)"
        case .invalidArgument(let message):
            message
        case .cancelled:
            "the request was cancelled"
        }
    }

    /// Maps a `MatrixError` from an admin endpoint. `destination` names the row for 404s.
    public init(_ error: MatrixError, baseURL: String, destination: String? = nil, room: String? = nil) {
        switch error.kind {
        case .timeout: self = .timeout
        case .connectionRefused: self = .connectionRefused(url: baseURL)
        case .transport: self = .transport(error.message)
        case .invalidResponse: self = .invalidResponse(error.message)
        case .http:
            let status = error.status ?? 0
            switch (status, error.errcode) {
            case (401, "M_MISSING_TOKEN"): self = .missingToken
            case (401, _): self = .invalidToken
            case (403, "M_FORBIDDEN"): self = .notServerAdmin
            case (404, "M_NOT_FOUND"):
                if let destination {
                    self = .unknownDestination(destination)
                } else if let room {
                    self = .unknownRoom(room)
                } else {
                    self = .badRequest(errcode: error.errcode, message: error.message)
                }
            case (403, _), (404, _), (405, _): self = .adminAPIUnavailable(status: status)
            case (429, _): self = .rateLimited(retryAfter: error.retryAfter)
            case (500..., _): self = .serverError(status: status, message: error.message)
            default: self = .badRequest(errcode: error.errcode, message: error.message)
            }
        }
    }
}
