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
        admin = SynapseAdminClient(connection: adminConnection)
    }
}
