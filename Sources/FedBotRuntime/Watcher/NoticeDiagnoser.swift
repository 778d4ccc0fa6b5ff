import FedBotCore
import FedBotModels
public import Logging

/// Adds the check's verdict and contact to failure notices (`diagnostics.on_notices`): the first reply in
/// the notice's thread, posted through the outbox.
///
/// Fresh checks (a report cached before the incident opened would describe the server before it failed).
/// Off the poll loop: `schedule` only starts tasks, at most `maximumJobs` notices at a time (each checks
/// its servers together; the check engine bounds every step). Exactly once: what is due is derived from
/// the stored watcher state (failure and group notices posted within `window`) and the outbox (a notice
/// whose reply's transaction is already queued is done), so a restart or crash after the notice was
/// stored picks the diagnosis up again, and the reply's transaction ID, derived from the notice key,
/// is queued at most once.
public actor NoticeDiagnoser {
    let diagnosing: any FederationDiagnosing
    let store: WatcherStore
    let prefix: String
    let logger: Logger
    /// Notices posted longer ago than this get no diagnosis (after a long stop it would be stale).
    let window: Duration
    let maximumJobs: Int
    private var running: [String: Task<Void, Never>] = [:]

    public init(
        diagnosing: any FederationDiagnosing, store: WatcherStore, prefix: String, logger: Logger,
        window: Duration = .seconds(900), maximumJobs: Int = 2
    ) {
        self.diagnosing = diagnosing
        self.store = store
        self.prefix = prefix
        self.logger = logger
        self.window = window
        self.maximumJobs = maximumJobs
    }

    /// The reply's transaction for notice `key` in `room`.
    static func transaction(_ key: String, room: RoomID, scope: String) -> String {
        NoticeOutbox.message(
            for: .threadReply(key: key, replyKey: key + NoticeDiagnosis.replySuffix, reply: Reply([])), room: room,
            scope: scope
        ).transactionID
    }

    /// Starts the diagnoses that are due and not running; returns at once.
    func schedule(_ state: WatcherState, rooms: [RoomID], scope: String, now: Timestamp) async {
        guard let firstRoom = rooms.first else { return }
        let due = state.notices.values
            .filter { NoticeDiagnosis.applies(to: $0.kind) && now - $0.postedAt < window && running[$0.key] == nil }
            .sorted { $0.postedAt != $1.postedAt ? $0.postedAt < $1.postedAt : $0.key < $1.key }
        for record in due {
            guard running.count < maximumJobs else { break }
            let queued = try? await store.transactionState(Self.transaction(record.key, room: firstRoom, scope: scope))
            guard queued == .missing, running[record.key] == nil else { continue }
            running[record.key] = Task { await self.diagnose(record, rooms: rooms, scope: scope, now: now) }
        }
    }

    /// Waits for the running diagnoses (tests, shutdown).
    public func settle() async {
        while let task = running.values.first { await task.value }
    }

    /// Cancels the running diagnoses (shutdown); what was not queued is done after the next start.
    public func cancelAll() {
        for task in running.values { task.cancel() }
    }

    private func diagnose(_ record: NoticeRecord, rooms: [RoomID], scope: String, now: Timestamp) async {
        defer { running[record.key] = nil }
        let (names, more) = NoticeDiagnosis.servers(of: record)
        let servers = names.compactMap(ServerName.init)
        let diagnosing = self.diagnosing
        let reports = await withTaskGroup(of: (Int, CheckReport).self) { group in
            for (index, server) in servers.enumerated() {
                group.addTask { (index, await diagnosing.freshReport(server)) }
            }
            var reports: [(Int, CheckReport)] = []
            for await result in group { reports.append(result) }
            return reports.sorted { $0.0 < $1.0 }.map(\.1)
        }
        guard !Task.isCancelled, !reports.isEmpty else { return }
        let action = NoticeAction.threadReply(
            key: record.key, replyKey: record.key + NoticeDiagnosis.replySuffix,
            reply: NoticeDiagnosis.reply(reports, more: more, prefix: prefix))
        do {
            try await store.enqueue(NoticeOutbox.messages(for: action, rooms: rooms, scope: scope), now: now)
            logger.info(
                "Diagnosed a failure notice",
                metadata: ["notice": "\(record.key)", "verdicts": "\(reports.map(\.verdict.rawValue))"])
        } catch {
            logger.warning(
                "Could not queue a notice's diagnosis",
                metadata: ["notice": "\(record.key)", "error": "\(LogText.sanitized("\(error)"))"])
        }
    }
}
