import Logging
public import ServiceLifecycle

/// The bot once it knows who it is: runs the start-up step (whoami, join the configured rooms), then
/// makes the services that need the identity and the joined rooms (sync, command worker, watcher) and runs
/// them as a group of their own. Graceful shutdown reaches them in reverse order (watcher, sync, then the
/// worker, which finishes the reply in flight). A shutdown during start-up ends it without starting them.
public struct BotSession: Service {
    let startup: BotStartup
    let makeServices: @Sendable (BotIdentity) -> [any Service]
    let logger: Logger

    init(startup: BotStartup, makeServices: @escaping @Sendable (BotIdentity) -> [any Service], logger: Logger) {
        self.startup = startup
        self.makeServices = makeServices
        self.logger = logger
    }

    public func run() async throws {
        let identity: BotIdentity
        do {
            identity = try await cancelWhenGracefulShutdown { try await startup.run() }
        } catch is CancellationError {
            logger.info("Stopped during start-up")
            return
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: makeServices(identity).map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                logger: logger))
        try await group.run()
    }
}
