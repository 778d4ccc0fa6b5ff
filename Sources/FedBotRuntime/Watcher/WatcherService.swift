public import FedBotCore
import FedBotModels
import Foundation
import Logging
import MatrixClient
public import ServiceLifecycle
public import SynapseAdmin
import Synchronization

/// Polls federation every `notices.interval` and posts notices to the notice rooms through the outbox.
///
/// A poll never downloads every destination: it asks for the failing ones only (failing-first paging,
/// aware of where the database sorts NULLs), re-checks open incidents that the scan did not return,
/// and looks up shared rooms for new failures only. The state machine (`WatcherMachine`) decides; the new
/// state and the notices are stored in one transaction.
public final class WatcherService: Service, Sendable {
    let context: BotContext
    let admin: SynapseAdminClient
    let policy: WatcherPolicy
    let interval: Duration
    /// Most shared-room look-ups per poll (each is one request).
    let roomLookupsPerPoll: Int
    let metrics: FedBotMetrics?
    /// Which destinations had recent traffic (for the cut-off check); nil turns the check off.
    public let activity: ActivityTracker?
    private let lastPollResult = Mutex<PollReport?>(nil)
    private let noRoomWarned = Mutex(false)
    private let scope = Mutex<String?>(nil)

    public init(
        context: BotContext, admin: SynapseAdminClient, metrics: FedBotMetrics? = nil, roomLookupsPerPoll: Int = 50,
        activity: ActivityTracker? = ActivityTracker()
    ) {
        self.context = context
        self.activity = activity
        self.metrics = metrics
        self.admin = admin
        let notices = context.config.notices
        self.policy = WatcherPolicy(
            minFailing: notices.minFailing, ignore: notices.ignore, remindEvery: notices.remindEvery,
            prefix: context.config.bot.prefix)
        self.interval = notices.interval
        self.roomLookupsPerPoll = roomLookupsPerPoll
    }

    /// What one poll did (for logs, metrics and benchmarks).
    public struct PollReport: Sendable {
        public var failing: Int
        public var total: Int
        public var requests: Int
        public var notices: Int
        public var duration: Duration
    }

    public var lastReport: PollReport? { lastPollResult.withLock { $0 } }

    public func run() async throws {
        // The notice rooms must be joined first; a shutdown (or a fatal error elsewhere) ends the wait.
        let gate = context.roomsReady
        await cancelWhenGracefulShutdown { await gate.wait() }
        guard gate.isOpen else { return }
        let stopping = StopFlag()
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !stopping.isStopped {
                let started = ContinuousClock.now
                do {
                    _ = try await poll()
                    if let activity, activity.isDue(at: ContinuousClock.now), !stopping.isStopped {
                        try await activity.walk(admin, now: ContinuousClock.now)
                    }
                } catch {
                    metrics?.pollFinished(failing: 0, total: 0, openIncidents: 0, duration: .zero, ok: false)
                    context.logger.warning(
                        "Federation poll failed; trying again next interval", metadata: ["error": "\(error)"])
                }
                if stopping.isStopped { break }
                let elapsed = ContinuousClock.now - started
                await context.watcherWakeup.wait(timeout: max(.milliseconds(100), interval - elapsed))
            }
        } onGracefulShutdown: {
            stopping.stop()
            self.context.watcherWakeup.signal()
        }
        context.logger.info("Watcher stopped")
    }

    /// One poll: scan, re-check, decide, store, ring the outbox.
    ///
    /// While the bot is in none of the notice rooms (not invited yet, or an alias that does not resolve)
    /// the poll waits: deciding without anywhere to post would store notices that nobody ever sees. The
    /// first poll after a notice room is joined takes the baseline.
    @discardableResult
    public func poll() async throws -> PollReport {
        let started = ContinuousClock.now
        let rooms = await context.rooms.noticeRoomIDs
        guard !rooms.isEmpty else {
            let firstTime = noRoomWarned.withLock { warned in
                let before = warned
                warned = true
                return !before
            }
            if firstTime {
                context.logger.warning(
                    "The bot is in none of the notice rooms yet: invite it; federation is watched once it joins",
                    metadata: ["rooms": "\(context.config.notices.rooms.map(\.rawValue))"])
            }
            return PollReport(failing: 0, total: 0, requests: 0, notices: 0, duration: ContinuousClock.now - started)
        }
        let state = try context.store.watcherState()
        var requests = 0
        let scan = try await admin.failingDestinations()
        requests += scan.requests
        var failing = Dictionary(scan.failing.map { ($0.destination, $0) }, uniquingKeysWith: { first, _ in first })

        var cleared: [String: Destination] = [:]
        // Open incidents the scan did not return: ask for them directly before calling them recovered.
        // An error keeps them open: a failed request must never look like a recovery.
        for name in state.incidents.keys.sorted() where failing[name] == nil {
            guard let server = ServerName(name) else { continue }
            requests += 1
            do {
                let row = try await admin.destination(server)
                if row.isFailing { failing[name] = row } else { cleared[name] = row }
            } catch SynapseAdminError.unknownDestination {
                continue
            } catch {
                failing[name] = Destination(
                    destination: name, failureTs: state.incidents[name]?.since.milliseconds ?? 0)
            }
        }

        // Shared rooms for destinations the watcher has not seen failing before.
        var sharedRooms: [String: Int] = [:]
        let new = failing.keys.filter { state.incidents[$0] == nil }.sorted().prefix(roomLookupsPerPoll)
        for name in new {
            guard let server = ServerName(name) else { continue }
            requests += 1
            if let total = try? await admin.destinationRooms(server, limit: 1).total { sharedRooms[name] = total }
        }

        let now = context.now()
        let mutes = try context.store.activeMutes(now: now.milliseconds)
        let observation = PollObservation(
            now: now, failing: Array(failing.values), total: scan.total, sharedRooms: sharedRooms,
            activeDestinations: activity?.activeDestinations, cleared: cleared,
            activeFailing: activity?.active(among: failing.keys))
        let (next, actions) = WatcherMachine.step(state, observation, policy: policy, mutes: mutes)
        let scope = try noticeScope(state)
        let messages = actions.flatMap { NoticeOutbox.messages(for: $0, rooms: rooms, scope: scope) }
        try context.store.commitWatcher(next, messages: messages, now: now.milliseconds)
        if !messages.isEmpty { CrashPoint.afterWatcherCommit.reached() }
        if !messages.isEmpty { context.outboxWakeup.signal() }
        let report = PollReport(
            failing: failing.count, total: scan.total, requests: requests, notices: actions.count,
            duration: ContinuousClock.now - started)
        lastPollResult.withLock { $0 = report }
        metrics?.pollFinished(
            failing: failing.count, total: scan.total, openIncidents: next.incidents.count, duration: report.duration,
            ok: true)
        for action in actions {
            switch action {
            case .post: metrics?.notice(kind: "post")
            case .edit: metrics?.notice(kind: "edit")
            case .threadReply: metrics?.notice(kind: "thread_reply")
            }
        }
        if !actions.isEmpty {
            context.logger.info(
                "Federation changed", metadata: ["failing": "\(failing.count)", "notices": "\(actions.count)"])
        }
        return report
    }
}

extension WatcherService {
    /// This state file's prefix for notice transaction IDs (see `NoticeOutbox.postTransaction`), made once:
    /// random for a state file that has not posted yet, empty for one that posted before scopes existed
    /// (its edits refer to the IDs it already used).
    func noticeScope(_ state: WatcherState) throws -> String {
        if let known = scope.withLock({ $0 }) { return known }
        let stored = try context.store.value(BotStore.Key.noticeScope)
        let value = stored ?? (state.baselineTaken ? "" : String(UInt32.random(in: .min ... .max), radix: 36) + ".")
        if stored == nil { try context.store.setValue(value, for: BotStore.Key.noticeScope) }
        scope.withLock { $0 = value }
        return value
    }
}

/// Turns the watcher's notice actions into outbox messages, one per notice room, with transaction IDs
/// derived from the notice keys so that nothing can be posted twice.
public enum NoticeOutbox {
    /// The transaction that posts notice `key` in `room`; edits and thread replies refer to it.
    ///
    /// `scope` tells this state file's notices from those of an earlier one (Synapse deduplicates a
    /// transaction ID of the same device for a day, so a state file deleted and made anew must not
    /// reuse `failure-1`): empty for state files that posted notices before scopes existed.
    public static func postTransaction(_ key: String, room: String, scope: String = "") -> String {
        "fedbot.notice.\(scope)\(key).\(room)"
    }

    public static func messages(for action: NoticeAction, rooms: [String], scope: String = "") -> [OutgoingMessage] {
        rooms.map { room in
            switch action {
            case .post(let key, let reply):
                return OutgoingMessage(
                    transactionID: postTransaction(key, room: room, scope: scope), roomID: room,
                    content: MessageContent.notice(reply)
                )
            case .edit(let key, let revision, let reply):
                return OutgoingMessage(
                    transactionID: "fedbot.edit.\(scope)\(key).\(revision).\(room)", roomID: room,
                    content: MessageContent.edit(
                        of: OutboxReference.placeholder(postTransaction(key, room: room, scope: scope)), with: reply))
            case .threadReply(let key, let replyKey, let reply):
                return OutgoingMessage(
                    transactionID: "fedbot.thread.\(scope)\(replyKey).\(room)", roomID: room,
                    content: MessageContent.threaded(
                        reply, root: OutboxReference.placeholder(postTransaction(key, room: room, scope: scope))))
            }
        }
    }
}

/// An event ID not known when a message is queued: the event an earlier outbox message becomes.
public enum OutboxReference {
    static let prefix = "$fedbot-txn:"

    public static func placeholder(_ transactionID: String) -> String {
        prefix + transactionID
    }

    /// The transaction IDs a content refers to.
    static func references(in value: JSONValue) -> Set<String> {
        switch value {
        case .string(let text) where text.hasPrefix(prefix): [String(text.dropFirst(prefix.count))]
        case .array(let items): items.reduce(into: []) { $0.formUnion(references(in: $1)) }
        case .object(let map): map.values.reduce(into: []) { $0.formUnion(references(in: $1)) }
        default: []
        }
    }

    /// The content with every placeholder replaced by its event ID.
    static func resolve(_ value: JSONValue, _ eventIDs: [String: String]) -> JSONValue {
        switch value {
        case .string(let text) where text.hasPrefix(prefix):
            .string(eventIDs[String(text.dropFirst(prefix.count))] ?? text)
        case .array(let items): .array(items.map { resolve($0, eventIDs) })
        case .object(let map): .object(map.mapValues { resolve($0, eventIDs) })
        default: value
        }
    }
}
