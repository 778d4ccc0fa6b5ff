import FedBotCore
import FedBotModels
import Foundation
public import Logging
import MatrixClient
public import ServiceLifecycle
public import SynapseAdmin
import Synchronization

/// Polls federation every `notices.interval` and posts notices to the notice rooms through the outbox.
///
/// A poll never downloads every destination for itself: the first one reads the failing ones only
/// (failing-first paging, aware of where the database sorts NULLs); later ones read only failures newer than
/// the last poll saw and prove the older ones unchanged (`SteadyScan`: ≤ 2 small requests at any failing
/// count), with a full failing scan every `consistencyEvery` and whenever that proof fails. A poll re-checks
/// open incidents that the scan did not return (a few one by one, many in one walk: see `recheck`), and looks
/// up shared rooms for new failures only.
/// The state machine (`WatcherMachine`) decides; the new state and the notices are stored in one transaction.
public final class WatcherService: Service, Sendable {
    let watcherStore: WatcherStore
    let rooms: RoomDirectory
    let clock: any BotClock
    let logger: Logger
    let noticeRooms: [RoomReference]
    /// Rings to make the watcher poll now (and at shutdown).
    let wakeup: Wakeup
    let admin: SynapseAdminClient
    let policy: WatcherPolicy
    let interval: Duration
    /// Most shared-room look-ups per poll (each is one request).
    let roomLookupsPerPoll: Int
    let metrics: FedBotMetrics?
    /// Which destinations had recent traffic (for the cut-off check); nil turns the check off.
    public let activity: ActivityTracker?
    /// Active probes (`probes.*`): their verdicts join the watcher's incidents; nil when nothing is probed.
    let probes: ProbeService?
    /// Adds the check's verdict to failure notices (`diagnostics.on_notices`); nil when off.
    let diagnoser: NoticeDiagnoser?
    private let lastPollResult = Mutex<PollReport?>(nil)
    private let noRoomWarned = Mutex(false)
    private let scope = Mutex<String?>(nil)
    /// The failing rows the last poll saw (for the steady read), and when the last full scan ran.
    private let failingIndex = Mutex<(index: FailingIndex, fullScanAt: Timestamp)?>(nil)
    /// How often a poll reads every failing row anyway. The steady read proves the older failures unchanged by
    /// their count and edges; a recovery and a late-committed older failure in the same interval balance out
    /// and would go unseen until this scan (Synapse stamps `failure_ts` before the row commits).
    let consistencyEvery: Duration

    public init(
        store: WatcherStore, rooms: RoomDirectory, admin: SynapseAdminClient, config: FedBotConfig,
        clock: any BotClock, logger: Logger, metrics: FedBotMetrics? = nil, roomLookupsPerPoll: Int = 50,
        activity: ActivityTracker? = ActivityTracker(), consistencyEvery: Duration = .seconds(600),
        probes: ProbeService? = nil, diagnoser: NoticeDiagnoser? = nil
    ) {
        self.diagnoser = diagnoser
        self.consistencyEvery = consistencyEvery
        self.probes = probes
        self.watcherStore = store
        self.rooms = rooms
        self.clock = clock
        self.logger = logger
        self.wakeup = Wakeup(clock: clock)
        self.activity = activity
        self.metrics = metrics
        self.admin = admin
        let notices = config.notices
        self.noticeRooms = notices.rooms
        self.policy = WatcherPolicy(
            minFailing: notices.minFailing, ignore: notices.ignore, remindEvery: notices.remindEvery,
            prefix: config.bot.prefix)
        self.interval = notices.interval
        self.roomLookupsPerPoll = roomLookupsPerPoll
        let wakeup = self.wakeup
        probes?.whenChanged { wakeup.signal() }
    }

    /// What one poll did (for logs, metrics and benchmarks).
    public struct PollReport: Sendable {
        public var failing: Int
        public var total: Int
        public var requests: Int
        public var notices: Int
        public var duration: Duration
        /// Why this poll read every failing row; nil when it read only what was new.
        public var fullScanReason: String?
    }

    public var lastReport: PollReport? { lastPollResult.withLock { $0 } }

    /// Polls until shutdown. The bot runs it once the configured rooms are joined (`BotSession`).
    public func run() async throws {
        let stopping = StopFlag()
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !stopping.isStopped {
                let started = clock.now
                do {
                    _ = try await poll()
                    if let activity, activity.isDue(at: clock.now), !stopping.isStopped {
                        try await activity.walk(admin, now: clock.now)
                    }
                } catch {
                    // Shutdown cut the poll short (nothing was decided from it): not a failure.
                    if stopping.isStopped || Task.isCancelled { break }
                    metrics?.pollFinished(failing: 0, total: 0, openIncidents: 0, duration: .zero, ok: false)
                    logger.warning(
                        "Federation poll failed; trying again next interval",
                        metadata: ["error": "\(LogText.sanitized("\(error)"))"])
                }
                if stopping.isStopped { break }
                let elapsed = clock.now - started
                await wakeup.wait(timeout: max(.milliseconds(100), interval - elapsed))
            }
        } onGracefulShutdown: {
            stopping.stop()
            self.wakeup.signal()
        }
        await diagnoser?.cancelAll()
        logger.info("Watcher stopped")
    }

    /// One poll: scan, re-check, decide, store, ring the outbox.
    ///
    /// While the bot is in none of the notice rooms (not invited yet, or an alias that does not resolve)
    /// the poll waits: deciding without anywhere to post would store notices that nobody ever sees. The
    /// first poll after a notice room is joined takes the baseline.
    @discardableResult
    public func poll() async throws -> PollReport {
        // The report's duration measures the work (for metrics and benchmarks); no decision reads it.
        let started = ContinuousClock.now
        let rooms = await self.rooms.noticeRoomIDs
        guard !rooms.isEmpty else {
            let firstTime = noRoomWarned.withLock { warned in
                let before = warned
                warned = true
                return !before
            }
            if firstTime {
                logger.warning(
                    "The bot is in none of the notice rooms yet: invite it; federation is watched once it joins",
                    metadata: ["rooms": "\(noticeRooms.map(\.rawValue))"])
            }
            return PollReport(failing: 0, total: 0, requests: 0, notices: 0, duration: ContinuousClock.now - started)
        }
        let state = try await watcherStore.state()
        var requests = 0
        // The requests end at once on graceful shutdown: nothing is decided from a poll cut short.
        let scan = try await scanFailing()
        requests += scan.requests
        var failing = Dictionary(
            scan.index.rows.map { ($0.destination, $0) }, uniquingKeysWith: { first, _ in first })

        // Open incidents the scan did not return: confirm before calling them recovered (in bulk when many).
        // An error keeps them open: a failed request must never look like a recovery.
        let absent = state.incidents.keys.sorted().filter { failing[$0] == nil }
        let recheck = try await cancelWhenGracefulShutdown {
            try await self.recheck(absent, state: state, total: scan.index.total)
        }
        requests += recheck.requests
        // A re-check cut short by shutdown may have swallowed the cancellation as a failed look-up.
        try Self.checkStopping()
        failing.merge(recheck.failing) { first, _ in first }
        let cleared = recheck.cleared

        // Shared rooms for destinations the watcher has not seen failing before.
        var sharedRooms: [String: Int] = [:]
        let new = failing.keys.filter { state.incidents[$0] == nil }.sorted().prefix(roomLookupsPerPoll)
        for name in new {
            guard let server = ServerName(name) else { continue }
            try Self.checkStopping()
            requests += 1
            if let total = try? await admin.destinationRooms(server, limit: 1).total { sharedRooms[name] = total }
        }

        let now = clock.now
        let mutes = try await watcherStore.activeMutes(now: now)
        let silences = try await watcherStore.silences()
        let observation = PollObservation(
            now: now, failing: Array(failing.values), total: scan.index.total, sharedRooms: sharedRooms,
            activeDestinations: activity?.activeDestinations, cleared: cleared,
            activeFailing: activity?.active(among: failing.keys), probes: probes?.observation(),
            unanswered: recheck.unanswered)
        let (next, actions) = WatcherMachine.step(
            state, observation, policy: policy, mutes: mutes, silences: silences)
        let scope = try await noticeScope(state)
        let messages = actions.flatMap { NoticeOutbox.messages(for: $0, rooms: rooms, scope: scope) }
        try await watcherStore.commit(next, messages: messages, now: now)
        await autoReset(WatcherMachine.autoResets(before: state, after: next))
        // Starts the checks of new failure notices (and of any a crash left undone); never waits for one.
        await diagnoser?.schedule(next, rooms: rooms, scope: scope, now: now)
        let report = PollReport(
            failing: failing.count, total: scan.index.total, requests: requests, notices: actions.count,
            duration: ContinuousClock.now - started, fullScanReason: scan.fullScanReason)
        lastPollResult.withLock { $0 = report }
        metrics?.pollFinished(
            failing: failing.count, total: scan.index.total, openIncidents: next.incidents.count,
            duration: report.duration,
            ok: true)
        for action in actions {
            switch action {
            case .post: metrics?.notice(kind: "post")
            case .edit: metrics?.notice(kind: "edit")
            case .threadReply: metrics?.notice(kind: "thread_reply")
            }
        }
        if !actions.isEmpty {
            logger.info(
                "Federation changed", metadata: ["failing": "\(failing.count)", "notices": "\(actions.count)"])
        }
        return report
    }
}

extension WatcherService {
    /// Every failing destination: a steady read after the previous poll's index, a full scan on the first poll,
    /// every `consistencyEvery`, and whenever the steady read cannot prove the older failures unchanged.
    func scanFailing() async throws -> FailingUpdate {
        let now = clock.now
        let previous = failingIndex.withLock { $0 }
        let due = previous.map { now - $0.fullScanAt >= consistencyEvery } ?? true
        let update = try await cancelWhenGracefulShutdown { [admin] in
            try await admin.failingDestinations(after: due ? nil : previous?.index)
        }
        let fullScanAt = update.fullScanReason == nil ? previous?.fullScanAt ?? now : now
        failingIndex.withLock { $0 = (update.index, fullScanAt) }
        if let reason = update.fullScanReason, !due {
            logger.debug(
                "Full failing scan", metadata: ["reason": "\(reason)", "failing": "\(update.index.rows.count)"])
        }
        return update
    }

    /// This state file's prefix for notice transaction IDs (see `NoticeOutbox.postTransaction`), made once:
    /// random for a state file that has not posted yet, empty for one that posted before scopes existed
    /// (its edits refer to the IDs it already used).
    func noticeScope(_ state: WatcherState) async throws -> String {
        if let known = scope.withLock({ $0 }) { return known }
        let stored = try await watcherStore.noticeScope()
        let value = stored ?? (state.baselineTaken ? "" : String(UInt32.random(in: .min ... .max), radix: 36) + ".")
        if stored == nil { try await watcherStore.setNoticeScope(value) }
        scope.withLock { $0 = value }
        return value
    }
}
