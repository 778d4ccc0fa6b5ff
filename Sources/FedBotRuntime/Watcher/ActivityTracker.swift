public import FedBotModels
public import SynapseAdmin
import Synchronization

/// Which destinations have had recent successful traffic, for the "this homeserver may be cut off" check.
///
/// The admin API has no "active" filter, so every `refresh` (and once shortly after start) the tracker
/// walks all destinations in pages of 1,000 and counts those whose `last_successful_stream_ordering`
/// moved since its previous walk (the first walk waits a minute after start, the second five more,
/// then one an hour: at 100,000 destinations a walk moves about 13 MB). It keeps one hash and one number per destination, and the hashes of the active ones (about 2.5 MB at 100,000),
/// not the rows. Polls never wait for it: they use the last estimate.
public final class ActivityTracker: Sendable {
    struct State {
        var orderings: [Int: Int64] = [:]
        var active: Int?
        /// Hashes of the names counted in `active`.
        var activeNames: Set<Int> = []
        var lastWalk: Timestamp?
        /// When `isDue` was first asked: the watcher's start.
        var started: Timestamp?
        var walks = 0
    }

    private let state = Mutex(State())
    /// The first comparison walk comes this soon after the first one; later ones every `refresh`.
    let firstRefresh: Duration
    let refresh: Duration

    /// The first walk waits this long after start, so a restart does not begin with one.
    let startDelay: Duration

    public init(
        startDelay: Duration = .seconds(60), firstRefresh: Duration = .seconds(300), refresh: Duration = .seconds(3600)
    ) {
        self.startDelay = startDelay
        self.firstRefresh = firstRefresh
        self.refresh = refresh
    }

    /// Destinations whose deliveries advanced between the last two walks; nil before two walks.
    public var activeDestinations: Int? { state.withLock { $0.active } }

    /// Which of `names` were active between the last two walks; nil before two walks.
    public func active(among names: some Sequence<String>) -> Set<String>? {
        state.withLock { state in
            guard state.active != nil else { return nil }
            return Set(names.filter { state.activeNames.contains($0.hashValue) })
        }
    }

    /// Whether a walk is due at `now` (the first call marks the start).
    public func isDue(at now: Timestamp) -> Bool {
        state.withLock { state in
            guard let last = state.lastWalk else {
                let started = state.started ?? now
                state.started = started
                return now - started >= startDelay
            }
            return now - last >= (state.walks < 2 ? firstRefresh : refresh)
        }
    }

    /// Walks every destination once and updates the estimate. Returns rows seen and pages fetched.
    @discardableResult
    public func walk(_ admin: SynapseAdminClient, now: Timestamp) async throws -> (rows: Int, pages: Int) {
        var orderings: [Int: Int64] = [:]
        orderings.reserveCapacity(state.withLock { $0.orderings.count })
        var iterator = admin.allDestinations(pageSize: 1000).makeAsyncIterator()
        var rows = 0
        while let row = try await iterator.next() {
            rows += 1
            if let ordering = row.lastSuccessfulStreamOrdering { orderings[row.destination.hashValue] = ordering }
        }
        let pages = iterator.pages
        state.withLock { state in
            if state.lastWalk != nil {
                var names = Set<Int>()
                for (name, ordering) in orderings {
                    if let before = state.orderings[name], ordering > before { names.insert(name) }
                }
                state.activeNames = names
                state.active = names.count
            }
            state.orderings = orderings
            state.lastWalk = now
            state.walks += 1
        }
        return (rows, pages)
    }
}
