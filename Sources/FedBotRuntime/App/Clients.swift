import AsyncHTTPClient
import FedBotModels
public import Logging
public import MatrixClient
public import SynapseAdmin

/// The homeserver and admin API clients a config describes, sharing one HTTP client.
public struct Clients: Sendable {
    public let matrix: MatrixClient
    public let admin: SynapseAdminClient
    public let transport: any HTTPTransport

    /// Admin API reads retry like any idempotent request, but a 429 asking for more than 10 s is reported
    /// at once ("rate limiting … try again later") instead of waited out: a person is waiting for the
    /// command, and the watcher polls again next interval anyway.
    static let adminRetry = RetryPolicy(maxRateLimitWait: .seconds(10))

    /// Builds both clients; `transport` defaults to AsyncHTTPClient's shared client, and retries sleep on
    /// `clock`.
    public init(
        config: FedBotConfig, logger: Logger, transport: (any HTTPTransport)? = nil, clock: any BotClock = SystemClock()
    ) {
        let transport = transport ?? AsyncHTTPClientTransport()
        self.transport = transport
        let homeserver = HomeserverConnection(
            baseURL: config.homeserver.url, accessToken: config.homeserver.accessToken.reveal(), transport: transport,
            logger: logger, clock: BotClockSleeper(clock))
        matrix = MatrixClient(connection: homeserver)
        let adminConnection = HomeserverConnection(
            baseURL: config.adminAPI.url, accessToken: config.adminAPI.accessToken.reveal(), transport: transport,
            logger: logger, clock: BotClockSleeper(clock))
        admin = SynapseAdminClient(connection: adminConnection, retry: Self.adminRetry)
    }
}
