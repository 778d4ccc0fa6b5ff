public import FedBotModels

/// Which events of a joined room's sync timeline are candidates for commands, and whether a gap must
/// be fetched first. Pure: the caller fetches and supplies the time.
public enum TimelineRules {
    /// Backfill fetches at most this many pages of `/messages` per room and sync.
    public static let maxBackfillPages = 10

    /// What to do with one room's timeline.
    public struct Plan: Sendable, Equatable {
        /// The events to classify, oldest first (after the backfilled ones, if any).
        public var events: [ClientEvent]
        /// Fetch older events from this `prev_batch` token back to `since` (ms) and put them before
        /// `events`; nil when nothing is missing.
        public var backfill: (from: String, since: Int64)?

        public static func == (lhs: Plan, rhs: Plan) -> Bool {
            lhs.events == rhs.events && lhs.backfill?.from == rhs.backfill?.from
                && lhs.backfill?.since == rhs.backfill?.since
        }
    }

    /// A timeline with the bot's own join is cut there: what was said before the bot joined is history,
    /// not commands to it (and there is no gap to fill). Otherwise a limited timeline in an admin room
    /// (more happened than one sync holds) is backfilled as far back as a command can be young enough to
    /// answer; events are deduplicated by ID, so overlap is harmless.
    public static func plan(
        _ timeline: [ClientEvent], limited: Bool, prevBatch: String?, isAdminRoom: Bool, me: UserID, now: Int64,
        maxAge: Duration
    ) -> Plan {
        if let join = timeline.lastIndex(where: { isJoin($0, of: me) }) {
            return Plan(events: Array(timeline[timeline.index(after: join)...]), backfill: nil)
        }
        if limited, isAdminRoom, let prevBatch {
            return Plan(events: timeline, backfill: (prevBatch, now - maxAge.wholeMilliseconds))
        }
        return Plan(events: timeline, backfill: nil)
    }

    /// The bot's own join (not a profile change, which is a `join` after a `join`).
    public static func isJoin(_ event: ClientEvent, of me: UserID) -> Bool {
        event.type == "m.room.member" && event.stateKey == me.rawValue
            && event.content["membership"]?.string == "join"
            && event.unsigned?["prev_content"]?["membership"]?.string != "join"
    }

    /// After a backfill page (newest first, as `/messages` backwards returns them): the token for the next
    /// page, or nil when the page was empty, the history ended, or it reached back past `since`.
    public static func nextBackfillToken(chunk: [ClientEvent], end: String?, since: Int64) -> String? {
        let oldest = chunk.compactMap(\.originServerTs).min() ?? 0
        guard let end, !chunk.isEmpty, oldest >= since else { return nil }
        return end
    }
}
