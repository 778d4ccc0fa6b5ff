import FedBotCore
import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import Logging
import MatrixClient
import SynapseAdmin
import Synchronization

/// Counts requests and response bytes on their way through a real transport.
final class CountingTransport: HTTPTransport {
    let inner: any HTTPTransport
    private let counters = Mutex<(requests: Int, bytes: Int, paths: [String])>((0, 0, []))

    init(_ inner: any HTTPTransport = AsyncHTTPClientTransport()) {
        self.inner = inner
    }

    func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        let response = try await inner.perform(request)
        counters.withLock {
            $0.requests += 1
            $0.bytes += response.body.count
            $0.paths.append("\(request.method.rawValue) \(request.url)")
        }
        return response
    }

    var requests: Int { counters.withLock { $0.requests } }
    var bytes: Int { counters.withLock { $0.bytes } }
    var paths: [String] { counters.withLock { $0.paths } }
}

/// Clients and an executor aimed at a lab's homeserver A.
struct LabClients {
    let transport: CountingTransport
    let connection: HomeserverConnection
    let admin: SynapseAdminClient
    let executor: CommandExecutor

    init(lab: Lab, token: String, now: @escaping @Sendable () -> Timestamp = Timestamp.now) {
        transport = CountingTransport()
        let logger = quietLogger("test")
        connection = HomeserverConnection(
            baseURL: lab.info.a.clientURL, accessToken: token, transport: transport, logger: logger)
        admin = SynapseAdminClient(connection: connection)
        executor = CommandExecutor(
            admin: admin, matrix: MatrixClient(connection: connection), prefix: "!fed", watcher: nil, logger: logger,
            now: now)
    }

    /// Runs `!fed WORDS` and returns the execution.
    func run(_ line: String) async -> Execution {
        await executor.run(words: line.split(separator: " ").map(String.init))
    }
}
