import FedBotModels
import Synchronization

/// Completion order within each room for commands that run at the same time: `take(_:)` hands out the
/// room's next ticket when a command starts, `wait(for:)` returns once every earlier ticket of that room
/// is finished, and `finish(_:)` lets the next one go. So replies are queued in the order the commands
/// arrived in each room, while rooms (and the work of commands in one room) go on side by side.
final class RoomTurns: Sendable {
    struct Ticket: Sendable, Hashable {
        var room: RoomID
        var number: Int
    }

    private struct Room {
        var issued = 0
        var finished = Set<Int>()
        /// Every ticket below this one is finished.
        var next = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let rooms = Mutex<[RoomID: Room]>([:])

    func take(_ room: RoomID) -> Ticket {
        rooms.withLock { rooms in
            let number = rooms[room, default: Room()].issued
            rooms[room, default: Room()].issued += 1
            return Ticket(room: room, number: number)
        }
    }

    /// Returns when every earlier ticket of the room is finished.
    func wait(for ticket: Ticket) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = rooms.withLock { rooms -> Bool in
                if rooms[ticket.room, default: Room()].next >= ticket.number { return true }
                rooms[ticket.room, default: Room()].waiters[ticket.number] = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Marks the ticket finished (whether or not its command completed) and lets the next one go.
    func finish(_ ticket: Ticket) {
        let ready = rooms.withLock { rooms -> CheckedContinuation<Void, Never>? in
            guard var room = rooms[ticket.room] else { return nil }
            room.finished.insert(ticket.number)
            while room.finished.remove(room.next) != nil { room.next += 1 }
            let waiter = room.waiters.removeValue(forKey: room.next)
            if room.next == room.issued && room.waiters.isEmpty {
                rooms[ticket.room] = nil
            } else {
                rooms[ticket.room] = room
            }
            return waiter
        }
        ready?.resume()
    }
}
