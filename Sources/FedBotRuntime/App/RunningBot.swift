public import Logging
public import MatrixClient
import ServiceLifecycle

/// The bot's services running inside this process, stopped with `stop()`: what integration tests and
/// benchmarks start (`fedbot run` is `BotApp.run`, which also takes the state file's lock and signals).
public struct RunningBot: Sendable {
    public let services: FedBotServices
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// Builds the services from `config` and runs them until `stop()`.
    public static func start(
        config: FedBotConfig, logger: Logger, transport: (any HTTPTransport)? = nil,
        clock: any BotClock = SystemClock(),
        prober: (any FederationProbing)? = nil, diagnosing: (any FederationDiagnosing)? = nil
    ) throws -> RunningBot {
        let services = try buildServices(
            config: config, logger: logger, transport: transport, clock: clock, prober: prober,
            diagnosing: diagnosing)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                logger: logger))
        return RunningBot(services: services, group: group, task: Task { try await group.run() })
    }

    /// Shuts the services down gracefully, waits until they have stopped, and returns the group's error
    /// (nil after a clean shutdown).
    @discardableResult
    public func stop() async -> (any Error)? {
        await group.triggerGracefulShutdown()
        return await result()
    }

    /// Cancels the services at once, without a graceful shutdown.
    public func cancel() {
        task.cancel()
    }

    /// Waits until the services end by themselves (a fatal error, or a shutdown begun elsewhere).
    public func result() async -> (any Error)? {
        do {
            try await task.value
            return nil
        } catch {
            return error
        }
    }
}
