public import FedBotModels

/// Events waiting for delivery to a destination, followed from look-up to look-up: Synapse's catch-up
/// sends a room's events when the room's `stream_ordering` (in `/destinations/<d>/rooms`) is greater than
/// the destination's `last_successful_stream_ordering` (`get_catch_up_room_event_ids`). Waiting while
/// that last delivery does not move, on a destination Synapse calls healthy, means stuck.
public struct StuckWatch: Codable, Equatable, Sendable {
    /// The destination's `last_successful_stream_ordering` when the wait was first seen.
    public var lastDelivery: Int64
    /// Shared rooms with events waiting, at the last look-up.
    public var rooms: Int
    /// The first look-up that found events waiting with this `lastDelivery`.
    public var since: Timestamp

    public init(lastDelivery: Int64, rooms: Int, since: Timestamp) {
        self.lastDelivery = lastDelivery
        self.rooms = rooms
        self.since = since
    }

    /// The watch after a look-up of the destination (`row`) and the stream orderings of its rooms; nil when
    /// nothing waits, when Synapse records a failure (that is an incident of its own) or when nothing was
    /// ever delivered (no ordering to compare with). A delivery (a new `lastDelivery`) starts the wait anew.
    public static func update(
        _ previous: StuckWatch?, row: Destination, roomOrderings: [Int64], now: Timestamp
    ) -> StuckWatch? {
        guard row.failureTs == nil, let delivered = row.lastSuccessfulStreamOrdering else { return nil }
        let waiting = roomOrderings.count { $0 > delivered }
        guard waiting > 0 else { return nil }
        let since = previous.flatMap { $0.lastDelivery == delivered ? $0.since : nil } ?? now
        return StuckWatch(lastDelivery: delivered, rooms: waiting, since: since)
    }

    /// Stuck once the wait lasted `after`.
    public func stuck(after: Duration, now: Timestamp) -> StuckDelivery? {
        now - since >= after ? StuckDelivery(rooms: rooms, since: since) : nil
    }
}
