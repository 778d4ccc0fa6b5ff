public import AsyncHTTPClient
import FedBotModels
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// `HTTPTransport` over one shared AsyncHTTPClient `HTTPClient` (pooled, cancellable, long-poll friendly).
public struct AsyncHTTPClientTransport: HTTPTransport {
    private let client: HTTPClient

    /// Uses the given client; the caller owns its lifetime.
    public init(client: HTTPClient) {
        self.client = client
    }

    /// Uses AsyncHTTPClient's process-wide shared client.
    public init() {
        self.client = HTTPClient.shared
    }

    public func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for header in request.headers {
            outgoing.headers.add(name: header.name, value: header.value)
        }
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        let label = "\(request.method.rawValue) \(Self.pathOnly(request.url))"
        do {
            let response = try await client.execute(outgoing, timeout: TimeAmount(request.timeout))
            let buffer = try await response.body.collect(upTo: request.maxResponseBytes)
            return HTTPResponse(
                status: Int(response.status.code),
                headers: response.headers.map { (name: $0.name, value: $0.value) },
                body: Data(buffer.readableBytesView)
            )
        } catch let error as MatrixError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw Self.classify(error, request: label)
        }
    }

    /// The URL without scheme, host and query: safe to log and to show.
    static func pathOnly(_ url: String) -> String {
        guard let components = URLComponents(string: url) else { return "" }
        return components.percentEncodedPath
    }

    static func classify(_ error: any Error, request: String) -> MatrixError {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                return MatrixError(kind: .timeout, message: "the request timed out", request: request)
            case .cancelled:
                return MatrixError(kind: .transport, message: "the request was cancelled", request: request)
            default:
                break
            }
        }
        if error is NIOTooManyBytesError {
            return MatrixError(kind: .invalidResponse, message: "the response is too large", request: request)
        }
        if isConnectionRefused(error) {
            return MatrixError(kind: .connectionRefused, message: "connection refused", request: request)
        }
        return MatrixError(kind: .transport, message: plainWords(error), request: request)
    }

    /// A network failure in words for a reply or a log line: never an error value's dump (type names,
    /// errno numbers), which says nothing to the person reading it.
    static func plainWords(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .remoteConnectionClosed: return "the connection closed before the answer was complete"
            case .bodyLengthMismatch: return "the answer was cut short"
            default: return "the connection failed"
            }
        }
        if let error = error as? HTTPParserError {
            return error == .invalidEOFState ? "the answer was cut short" : "the answer was not valid HTTP"
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNRESET: return "the connection was reset"
            case EPIPE: return "the connection broke"
            case ETIMEDOUT: return "the connection timed out"
            case EHOSTUNREACH, ENETUNREACH: return "the host is unreachable"
            default: return "the connection failed"
            }
        }
        if error is ChannelError { return "the connection closed before the answer was complete" }
        return "the connection failed"
    }

    private static func isConnectionRefused(_ error: any Error) -> Bool {
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED { return true }
        if let connection = error as? NIOConnectionError {
            return connection.connectionErrors.contains { isConnectionRefused($0.error) }
        }
        return "\(error)".contains("ECONNREFUSED") || "\(error)".contains("Connection refused")
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
