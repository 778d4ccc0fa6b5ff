import FedBotModels
import Synchronization

/// The rooms the outbox is sending to right now (one lane each) and when rooms may be sent to again.
/// Shared by the dispatcher, which starts lanes, and the lanes, which report how they ended.
final class OutboxLanes: Sendable {
    struct State {
        /// Rooms with a lane running: the dispatcher leaves their messages to it.
        var busy: Set<RoomID> = []
        /// Rooms waiting to retry their first unsent message, and when.
        var retryAt: [RoomID: Timestamp] = [:]
        /// A 429: no room is sent to before this.
        var everyRoom: Timestamp?
        /// Failed tries in a row per room, counted or not (for the backoff while the homeserver is away).
        var streaks: [RoomID: Int] = [:]
    }

    private let state = Mutex(State())

    /// When the next wait is over (a room's retry or the end of a rate limit).
    var nextDue: Timestamp? {
        state.withLock { ([$0.everyRoom].compactMap { $0 } + $0.retryAt.values).min() }
    }

    /// The rooms not to read messages for now (busy or waiting), forgetting the waits that are over;
    /// nil while every room waits (a rate limit).
    func excluded(at now: Timestamp) -> Set<RoomID>? {
        state.withLock { state in
            if let everyRoom = state.everyRoom, everyRoom > now { return nil }
            state.everyRoom = nil
            state.retryAt = state.retryAt.filter { $0.value > now }
            return state.busy.union(state.retryAt.keys)
        }
    }

    /// Whether every room must wait at `now` (a lane stops before its next send).
    func paused(at now: Timestamp) -> Bool {
        state.withLock { state in state.everyRoom.map { $0 > now } ?? false }
    }

    /// Takes `room` for a new lane; false when one is running already.
    func claim(_ room: RoomID) -> Bool {
        state.withLock { $0.busy.insert(room).inserted }
    }

    func streak(_ room: RoomID) -> Int { state.withLock { $0.streaks[room, default: 0] } }

    /// A message went out (or was given up on): the room's streak of failures ends.
    func succeeded(_ room: RoomID) { state.withLock { _ = $0.streaks.removeValue(forKey: room) } }

    /// The room's lane ended; `retry`: the room waits until then; `pauseAll`: every room waits until then.
    func release(_ room: RoomID, retry: Timestamp? = nil, pauseAll: Timestamp? = nil) {
        state.withLock { state in
            state.busy.remove(room)
            if let retry {
                state.retryAt[room] = retry
                state.streaks[room, default: 0] += 1
            }
            if let pauseAll { state.everyRoom = max(state.everyRoom ?? pauseAll, pauseAll) }
        }
    }
}

extension OutboxService {
    /// Sends `entries` (one room's, in queue order) one after the other until one must wait, then frees the
    /// room and rings the dispatcher when there is something to look at again (a message went out, or a
    /// wait began whose end it must time).
    func runLane(_ room: RoomID, _ entries: [OutboxEntry], lanes: OutboxLanes, stopping: StopFlag) async {
        var progress = false
        var retry: Timestamp?
        var pauseAll: Timestamp?
        for entry in entries {
            if Task.isCancelled || stopping.isStopped || lanes.paused(at: clock.now) { break }
            switch await send(entry, streak: lanes.streak(room)) {
            case .done:
                lanes.succeeded(room)
                progress = true
                continue
            case .retry(let wait):
                retry = clock.now + wait
            case .pauseAll(let wait):
                pauseAll = clock.now + wait
            case .holdRoom, .stop:
                // Held: a referenced message in another room is still queued; its lane rings when it goes.
                // Stopped: the token or the store failed; the next new message or the 30 s poll tries again.
                break
            }
            break
        }
        lanes.release(room, retry: retry, pauseAll: pauseAll)
        if progress || retry != nil || pauseAll != nil { outbox.notify() }
    }
}
