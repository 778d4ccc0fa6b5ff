import FedBotCore
public import Logging
public import MatrixClient
public import ServiceLifecycle
import UnixSignals

/// Everything `fedbot run` runs, built from a config. Tests call this too.
public struct FedBotServices: Sendable {
    /// In start order; graceful shutdown goes in reverse (the bot's session first, the outbox last).
    public var services: [any Service]
    public var clients: Clients
    /// The configured rooms (joined by the session's start-up step).
    public var rooms: RoomDirectory
    public var outbox: Outbox
    public var health: BotHealth
    /// The watcher, when notice rooms are configured.
    public var watcher: WatcherService?
    /// The probes, when `probes.*` selects servers and notice rooms are configured.
    public var probes: ProbeService?
    public var metrics: FedBotMetrics
}

/// Builds the bot's services: the outbox sender, the session (start-up, then sync, command worker and,
/// with notice rooms, the watcher) and the optional metrics listener. Every service takes its time from
/// `clock`. `prober` replaces the check engine for `probes.*` and `diagnosing` for the diagnosis on notices
/// (tests); by default both use it.
public func buildServices(
    config: FedBotConfig, logger: Logger, transport: (any HTTPTransport)? = nil, clock: any BotClock = SystemClock(),
    prober: (any FederationProbing)? = nil, diagnosing: (any FederationDiagnosing)? = nil
) throws -> FedBotServices {
    let metrics = FedBotMetrics()
    let clients = Clients(
        config: config, logger: logger,
        transport: InstrumentedTransport(transport ?? AsyncHTTPClientTransport(), metrics: metrics), clock: clock)
    let store = try BotStore(path: config.storage.path)
    let outbox = Outbox(store: store, clock: clock)
    let gate = IntakeGate(
        authorizer: Authorizer(operators: Set(config.bot.operators), minPowerLevel: config.bot.minPowerLevel),
        matrix: clients.matrix)
    let inbox = CommandInbox(store: store, outbox: outbox, clock: clock, gate: gate)
    let rooms = RoomDirectory(
        adminRooms: config.bot.rooms, noticeRooms: config.notices.rooms, clock: clock, logger: logger)
    let health = BotHealth()
    let diagnosis = Diagnosis(config: config.diagnostics, now: { clock.now })
    // Probes report through the watcher's notices: without notice rooms there is nowhere to announce them.
    let probes =
        config.probes.isEnabled && !config.notices.rooms.isEmpty
        ? ProbeService(
            prober: prober ?? CheckProber(diagnosis: diagnosis), admin: clients.admin, store: store,
            config: config.probes, clock: clock, logger: logger, metrics: metrics)
        : nil
    let watcherStore = WatcherStore(store: store, outbox: outbox)
    let diagnoser =
        config.diagnostics.onNotices
        ? NoticeDiagnoser(
            diagnosing: diagnosing ?? diagnosis, store: watcherStore, prefix: config.bot.prefix, logger: logger)
        : nil
    let watcher =
        config.notices.rooms.isEmpty
        ? nil
        : WatcherService(
            store: watcherStore, rooms: rooms, admin: clients.admin, config: config,
            clock: clock, logger: logger, metrics: metrics, probes: probes, diagnoser: diagnoser)
    var executorWithOutbox = CommandExecutor(
        admin: clients.admin, matrix: clients.matrix, prefix: config.bot.prefix,
        watcher: watcher == nil ? nil : StoredWatcherControl(store: store, now: { clock.now }), logger: logger,
        now: { clock.now }, diagnosis: diagnosis)
    executorWithOutbox.outbox = outbox
    executorWithOutbox.contacts = diagnosing ?? diagnosis
    executorWithOutbox.probes = probes
    executorWithOutbox.pause = { try? await clock.sleep(for: $0) }
    let executor = executorWithOutbox
    let session = BotSession(
        startup: BotStartup(
            matrix: clients.matrix, rooms: rooms, store: store, homeserverURL: config.homeserver.url,
            retry: TransientRetry(clock: clock, health: health, logger: logger), logger: logger),
        makeServices: { identity in
            var services: [any Service] = [
                CommandWorker(
                    identity: identity, inbox: inbox, matrix: clients.matrix, clock: clock, bot: config.bot,
                    executor: executor, metrics: metrics, logger: logger),
                SyncService(
                    identity: identity, matrix: clients.matrix, rooms: rooms, inbox: inbox, health: health,
                    clock: clock, bot: config.bot, logger: logger),
            ]
            if let watcher {
                services.append(watcher)
                if let probes { services.append(probes) }
            }
            services.append(RoomJoiner(rooms: rooms, matrix: clients.matrix, clock: clock, logger: logger))
            return services
        }, logger: logger)
    var services: [any Service] = [
        OutboxService(outbox: outbox, matrix: clients.matrix, clock: clock, logger: logger, metrics: metrics),
        session,
        StoreMaintenance(
            store: store,
            retention: Retention(window: config.storage.retention, maxCommandAge: config.bot.maxCommandAge),
            clock: clock, logger: logger),
    ]
    if let address = config.metrics.listen {
        services.append(
            MetricsServer.make(
                address: address, metrics: metrics, health: health, outbox: outbox, clock: clock, logger: logger))
    }
    return FedBotServices(
        services: services, clients: clients, rooms: rooms, outbox: outbox, health: health, watcher: watcher,
        probes: probes, metrics: metrics)
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
