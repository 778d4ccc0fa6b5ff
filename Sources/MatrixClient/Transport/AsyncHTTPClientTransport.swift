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
                return MatrixError(kind: .transport, message: "\(error)", request: request)
            }
        }
        if error is NIOTooManyBytesError {
            return MatrixError(kind: .invalidResponse, message: "the response is too large", request: request)
        }
        if isConnectionRefused(error) {
            return MatrixError(kind: .connectionRefused, message: "connection refused", request: request)
        }
        return MatrixError(kind: .transport, message: "\(error)", request: request)
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
