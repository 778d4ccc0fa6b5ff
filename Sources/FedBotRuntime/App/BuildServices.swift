public import FedBotModels
public import Logging
public import MatrixClient
public import ServiceLifecycle
import UnixSignals

/// Everything `fedbot run` runs, built from a config. Tests call this too.
public struct FedBotServices: Sendable {
    /// In start order; graceful shutdown goes in reverse (sync stops first, the outbox last).
    public var services: [any Service]
    public var context: BotContext
    public var clients: Clients
    /// The watcher, when notice rooms are configured.
    public var watcher: WatcherService?
    public var metrics: FedBotMetrics
}

/// Builds the bot's services: sync, command worker, outbox (and, with notice rooms, the watcher).
public func buildServices(
    config: FedBotConfig, logger: Logger, transport: (any HTTPTransport)? = nil,
    now: @escaping @Sendable () -> Timestamp = Timestamp.now
) throws -> FedBotServices {
    let metrics = FedBotMetrics()
    let clients = Clients(
        config: config, logger: logger,
        transport: InstrumentedTransport(transport ?? AsyncHTTPClientTransport(), metrics: metrics))
    let store = try BotStore(path: config.storage.path)
    let context = BotContext(config: config, store: store, matrix: clients.matrix, logger: logger, now: now)
    let watcher =
        config.notices.rooms.isEmpty ? nil : WatcherService(context: context, admin: clients.admin, metrics: metrics)
    let executor = CommandExecutor(
        admin: clients.admin, matrix: clients.matrix, prefix: config.bot.prefix,
        watcher: watcher == nil ? nil : StoredWatcherControl(store: store, now: now), logger: logger, now: now)
    var services: [any Service] = [
        OutboxService(context: context),
        CommandWorker(context: context, executor: executor, metrics: metrics),
        SyncService(context: context),
    ]
    if let watcher { services.append(watcher) }
    if let address = config.metrics.listen {
        services.append(MetricsServer.make(address: address, metrics: metrics, context: context, logger: logger))
    }
    return FedBotServices(services: services, context: context, clients: clients, watcher: watcher, metrics: metrics)
}

/// `fedbot run`: the bot until SIGTERM/SIGINT.
public enum BotApp {
    /// Runs the services; returns normally after a graceful shutdown, throws `BotFatalError` when the bot
    /// cannot go on (invalid token).
    public static func run(config: FedBotConfig, logger: Logger) async throws {
        // Before anything reads the state: a second bot on the same file exits here with one line.
        let lock: StateFileLock?
        do {
            lock = config.storage.path == ":memory:" ? nil : try StateFileLock(statePath: config.storage.path)
        } catch {
            throw BotFatalError(error.description)
        }
        defer { withExtendedLifetime(lock) {} }
        let built = try buildServices(config: config, logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: built.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [],
                logger: logger))
        logger.info("fedbot starting", metadata: ["version": "\(FedBotVersion.current)"])
        try await group.run()
        logger.info("fedbot stopped")
    }
}
