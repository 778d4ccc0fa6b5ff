public import FedBotCore
import FedBotModels
import Foundation
public import Logging
public import ServiceLifecycle
public import SynapseAdmin
import Synchronization

/// Probes the servers that matter (`probes.*`) so that a dead one is announced before Synapse notices,
/// watches their shared rooms for stuck deliveries, and tells the watcher (`observation()`); the watcher
/// decides and posts, so probe incidents use the same exactly-once notice path and survive restarts.
///
/// Each round probes the due servers (at most `concurrency` at once, each on its own schedule with jitter,
/// slower for servers that keep failing), stores the records, and rings the watcher when a verdict changed.
public final class ProbeService: Service, ProbeListing, Sendable {
    let prober: any FederationProbing
    let admin: SynapseAdminClient
    let store: BotStore
    let clock: any BotClock
    let logger: Logger
    let metrics: FedBotMetrics?
    let config: FedBotConfig.Probes
    let policy: ProbePolicy
    /// Probes running at once.
    let concurrency: Int
    /// How often globs and `top_shared` are resolved against the destinations Synapse knows.
    let targetRefresh: Duration
    let wakeup: Wakeup
    let book = Mutex<ProbeBook?>(nil)
    let onChange = Mutex<(@Sendable () -> Void)?>(nil)

    public init(
        prober: any FederationProbing, admin: SynapseAdminClient, store: BotStore, config: FedBotConfig.Probes,
        clock: any BotClock, logger: Logger, metrics: FedBotMetrics? = nil, concurrency: Int = 8,
        targetRefresh: Duration = .seconds(3600)
    ) {
        self.prober = prober
        self.admin = admin
        self.store = store
        self.config = config
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.policy = ProbePolicy(interval: config.interval, failures: config.failures)
        self.concurrency = max(1, concurrency)
        self.targetRefresh = targetRefresh
        self.wakeup = Wakeup(clock: clock)
    }

    /// Called when a server starts or stops failing, or a stuck delivery appears or ends (the watcher's poll).
    public func whenChanged(_ action: @escaping @Sendable () -> Void) {
        onChange.withLock { $0 = action }
    }

    public func run() async throws {
        let stopping = StopFlag()
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !stopping.isStopped {
                var wait = policy.interval
                do {
                    wait = try await round()
                } catch {
                    if stopping.isStopped || Task.isCancelled { break }
                    logger.warning(
                        "Probe round failed; trying again next interval",
                        metadata: ["error": "\(LogText.sanitized("\(error)"))"])
                }
                if stopping.isStopped { break }
                await wakeup.wait(timeout: max(.seconds(1), wait))
            }
        } onGracefulShutdown: {
            stopping.stop()
            self.wakeup.signal()
        }
        logger.info("Probes stopped")
    }

    /// One round: refresh targets when due, probe the due servers, check stuck deliveries when due, store.
    /// Returns how long to wait before the next round.
    @discardableResult
    public func round() async throws -> Duration {
        var book = try await loadedBook()
        let now = clock.now
        if book.targetsAt.map({ now - $0 >= targetRefresh }) ?? true {
            await refreshTargets(&book, now: now)
        }
        let targets = Self.targets(config, book)
        let due = ProbeMachine.due(targets, records: book.records, now: now, limit: concurrency * 4)
        let results = await probe(due)
        var changed = false
        for (name, result, duration) in results {
            let (record, change) = ProbeMachine.record(
                book.records[name], server: name, result: result, now: clock.now, policy: policy,
                jitter: Double.random(in: 0..<1))
            book.records[name] = record
            metrics?.probeFinished(result, duration: duration)
            if change != .none {
                changed = true
                logger.info(
                    change == .startedFailing ? "Probes fail" : "Probes answer again",
                    metadata: ["server": "\(name)", "result": "\(LogText.sanitized(result.reason))"])
            }
        }
        // Forget servers no longer probed.
        let kept = Set(targets)
        book.records = book.records.filter { kept.contains($0.key) }
        if book.stuckCheckedAt.map({ clock.now - $0 >= policy.interval }) ?? true {
            changed = try await checkStuck(&book, targets: targets, now: clock.now) || changed
        }
        book.stuck = book.stuck.filter { kept.contains($0.key) }
        try await store.setProbeBook(book)
        self.book.withLock { $0 = book }
        let failing = book.records.values.count { $0.consecutiveFailures >= policy.failures }
        metrics?.probeTargets(total: targets.count, failing: failing)
        if changed, let action = onChange.withLock({ $0 }) { action() }
        let next = book.records.values.map(\.nextAt).min().map { $0 - clock.now } ?? policy.interval
        return targets.contains(where: { book.records[$0] == nil }) ? .seconds(1) : min(policy.interval, next)
    }

    /// What the watcher needs (nil before the first round).
    public func observation() -> ProbeObservation? {
        guard let book = book.withLock({ $0 }) else { return nil }
        var observation = ProbeMachine.observation(book.records, policy: policy)
        let now = clock.now
        observation.stuck = book.stuck.compactMapValues { $0.stuck(after: config.stuckAfter, now: now) }
        observation.autoReset = config.autoReset
        return observation
    }

    public func listing() async -> ProbeListingSnapshot {
        let book = (try? await loadedBook()) ?? ProbeBook()
        let targets = Self.targets(config, book)
        return ProbeListingSnapshot(
            records: targets.compactMap { book.records[$0] }, pending: targets.filter { book.records[$0] == nil },
            failures: policy.failures, enabled: config.isEnabled)
    }

    func loadedBook() async throws -> ProbeBook {
        if let book = book.withLock({ $0 }) { return book }
        let stored = try await store.probeBook()
        book.withLock { $0 = $0 ?? stored }
        return stored
    }

    /// The configured names plus what globs and `top_shared` found at the last refresh.
    static func targets(_ config: FedBotConfig.Probes, _ book: ProbeBook) -> [String] {
        config.targets(known: book.matched, topShared: book.topShared).map(\.rawValue)
    }

    /// Probes `names`, at most `concurrency` at once; each result with how long it took.
    func probe(_ names: [String]) async -> [(String, ProbeResult, Duration)] {
        let prober = self.prober
        return await withTaskGroup(of: (String, ProbeResult, Duration).self) { group in
            var results: [(String, ProbeResult, Duration)] = []
            var queue = names.compactMap(ServerName.init)[...]
            func start(_ group: inout TaskGroup<(String, ProbeResult, Duration)>) {
                guard let server = queue.popFirst() else { return }
                group.addTask {
                    let started = ContinuousClock.now
                    let result = await prober.probe(server)
                    return (server.rawValue, result, ContinuousClock.now - started)
                }
            }
            for _ in 0..<concurrency { start(&group) }
            while let result = await group.next() {
                results.append(result)
                start(&group)
            }
            return results
        }
    }
}
