/// Synapse's side of delivery to one destination: how many rooms shared with it have events Synapse has
/// not delivered to it yet.
///
/// A room of `GET …/destinations/{d}/rooms` is waiting when its `stream_ordering` (written when an event
/// is queued for the destination, not when it is delivered) is greater than the destination's
/// `last_successful_stream_ordering`: the comparison Synapse's own catch-up makes
/// (`get_catch_up_room_event_ids` in `synapse/storage/databases/main/transactions.py`). With a null
/// `last_successful_stream_ordering` (nothing ever delivered) Synapse cannot tell what to catch up, and
/// neither can fedbot: the count is `.unknown`.
public struct DeliveryBacklog: Sendable, Equatable {
    public enum Waiting: Sendable, Equatable {
        /// Nothing was ever delivered to the destination: which rooms wait is unknown (Synapse does not
        /// catch up either).
        case unknown
        /// Every shared room was read: exactly this many are waiting.
        case exactly(Int)
        /// Only the first rooms were read (the page cap): at least this many are waiting.
        case atLeast(Int)
    }

    /// Rooms shared with the destination (the rooms endpoint's `total`).
    public var sharedRooms: Int
    public var waiting: Waiting
    /// Rooms read to count (less than `sharedRooms` when capped).
    public var roomsRead: Int

    public init(sharedRooms: Int, waiting: Waiting, roomsRead: Int) {
        self.sharedRooms = sharedRooms
        self.waiting = waiting
        self.roomsRead = roomsRead
    }

    /// The rooms among `rooms` with events queued after `lastSuccessful`; nil when `lastSuccessful` is
    /// null. A room without a `stream_ordering` is not counted.
    public static func waitingRooms(_ rooms: some Sequence<DestinationRoom>, after lastSuccessful: Int64?) -> Int? {
        guard let lastSuccessful else { return nil }
        return rooms.reduce(0) { count, room in
            guard let ordering = room.streamOrdering, ordering > lastSuccessful else { return count }
            return count + 1
        }
    }

    /// The count, at least `count`: `exactly` or `atLeast` (0 when unknown).
    public var count: Int {
        switch waiting {
        case .unknown: 0
        case .exactly(let count), .atLeast(let count): count
        }
    }
}
