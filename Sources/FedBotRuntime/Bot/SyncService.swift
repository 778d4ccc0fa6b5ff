import FedBotCore
import FedBotModels
import Foundation
import Logging
import MatrixClient
public import ServiceLifecycle

/// Long-polls `/sync`, joins configured rooms on invite (declining others), and records commands from
/// admin rooms together with the sync position in the command inbox, which rings the command worker.
public struct SyncService: Service {
    let identity: BotIdentity
    let matrix: MatrixClient
    let rooms: RoomDirectory
    let inbox: CommandInbox
    let store: BotStore
    let health: BotHealth
    let clock: any BotClock
    let prefix: String
    let maxCommandAge: Duration
    let logger: Logger
    /// The long-poll timeout.
    let pollTimeout: Duration

    init(
        identity: BotIdentity, matrix: MatrixClient, rooms: RoomDirectory, inbox: CommandInbox, health: BotHealth,
        clock: any BotClock, bot: FedBotConfig.Bot, logger: Logger, pollTimeout: Duration = .seconds(30)
    ) {
        self.identity = identity
        self.matrix = matrix
        self.rooms = rooms
        self.inbox = inbox
        self.store = inbox.store
        self.health = health
        self.clock = clock
        self.prefix = bot.prefix
        self.maxCommandAge = bot.maxCommandAge
        self.logger = logger
        self.pollTimeout = pollTimeout
    }

    var retry: TransientRetry { TransientRetry(clock: clock, health: health, logger: logger) }

    public func run() async throws {
        let me = identity.userID
        var filter: UploadedFilter
        do {
            filter = try await cancelWhenGracefulShutdown { try await uploadFilter(for: me) }
        } catch is CancellationError {
            logger.info("Sync stopped before it started")
            return
        }
        var since = try await store.value(BotStore.Key.nextBatch)
        if since == nil {
            do {
                let filterID = filter.id
                since = try await cancelWhenGracefulShutdown { try await initialSync(filterID: filterID) }
            } catch is CancellationError {
                logger.info("Sync stopped during the first sync")
                return
            }
        }
        let notBefore = Int64(try await store.value(BotStore.Key.firstSyncAt) ?? "0") ?? 0
        var backoff = Duration.seconds(1)
        // The first sync after a start returns at once: what arrived while the bot was down is handled
        // without waiting, and /healthz turns healthy right away.
        var timeout = Duration.zero
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let response: SyncResponse
            do {
                if await rooms.syncedRoomIDs != filter.rooms {
                    // A configured room was joined after an invite: let its events through.
                    filter = try await uploadFilter(for: me)
                }
                let (position, wait, filterID, filterRooms) = (since, timeout, filter.id, filter.rooms)
                let answer = try await cancelWhenGracefulShutdown { [rooms, matrix] in
                    try await rooms.untilAdminRoomsChange(from: filterRooms) {
                        try await matrix.sync(filter: filterID, since: position, timeout: wait)
                    }
                }
                // A room became an admin room during the long-poll: new filter first, same position.
                guard let answer else { continue }
                response = answer
                timeout = pollTimeout
            } catch is CancellationError {
                break
            } catch let error as MatrixError {
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                try checkFatal(error)
                health.syncFailed(error.description)
                let wait = error.isRateLimited ? (error.retryAfter ?? backoff) : backoff
                logger.warning("Sync failed, retrying", metadata: ["error": "\(error)", "in": "\(wait)"])
                try? await cancelWhenGracefulShutdown { try await clock.sleep(for: wait) }
                backoff = min(backoff * 2, .seconds(60))
                continue
            }
            backoff = .seconds(1)
            try await handle(response, me: me, notBefore: notBefore)
            since = response.nextBatch
            health.syncSucceeded(at: clock.now)
        }
        logger.info("Sync stopped")
    }

    /// The first sync ever: records the position without running anything from the history, and
    /// answers pending invites.
    func initialSync(filterID: String) async throws -> String {
        let startedAt = clock.now
        try await store.setValue(String(startedAt.milliseconds), for: BotStore.Key.firstSyncAt)
        let response = try await retry.run("run the first sync") {
            try await matrix.sync(filter: filterID, since: nil, timeout: .zero)
        }
        await handleInvites(response)
        await noteRoomState(response, adminRooms: await rooms.adminRoomIDs)
        try await inbox.record(nextBatch: response.nextBatch, commands: [])
        health.syncSucceeded(at: clock.now)
        logger.info("First sync done; commands from now on are answered")
        return response.nextBatch
    }

    /// The uploaded filter and the admin rooms it lets through.
    struct UploadedFilter {
        var id: String
        var rooms: Set<RoomID>
    }

    /// Uploads the sync filter for the admin and notice rooms known now: other rooms' messages never leave
    /// Synapse.
    func uploadFilter(for me: UserID) async throws -> UploadedFilter {
        let rooms = await rooms.syncedRoomIDs
        let id = try await retry.run("upload the sync filter") {
            try await matrix.uploadFilter(SyncFilter.json(adminRooms: Set(rooms.map(\.rawValue))), for: me)
        }
        return UploadedFilter(id: id, rooms: rooms)
    }

    func handle(_ response: SyncResponse, me: UserID, notBefore: Int64) async throws {
        if !response.rooms.invite.isEmpty { await handleInvites(response) }
        let adminRooms = await rooms.adminRoomIDs
        await noteRoomState(response, adminRooms: adminRooms)
        for (roomID, _) in response.rooms.leave where adminRooms.contains(roomID) {
            logger.warning("The bot left or was removed from an admin room", metadata: ["room": "\(roomID)"])
        }
        let intake = CommandIntake(
            botUser: me.rawValue, prefix: prefix, adminRooms: adminRooms, notBefore: notBefore, maxAge: maxCommandAge,
            noticeRooms: await rooms.syncedRoomIDs)
        let now = clock.now.milliseconds
        var commands: [StoredCommand] = []
        for (roomID, room) in response.rooms.join.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let plan = TimelineRules.plan(
                room.timeline, limited: room.limited, prevBatch: room.prevBatch,
                isAdminRoom: intake.reactionRooms.contains(roomID), me: me, now: now, maxAge: intake.maxAge)
            var timeline = plan.events
            if let gap = plan.backfill {
                timeline = await backfill(roomID, from: gap.from, since: gap.since) + timeline
            }
            for event in timeline {
                if event.type == "m.room.encrypted", intake.adminRooms.contains(roomID), event.sender != me.rawValue {
                    await rooms.warnEncrypted(roomID, logger: logger)
                }
                switch intake.classify(event, in: roomID, now: now) {
                case .command(let command):
                    commands.append(command)
                case .ignore(let reason):
                    if reason == .tooOld || reason == .beforeFirstSync {
                        logger.info(
                            "Ignored an old command",
                            metadata: ["event": "\(event.eventID ?? "")", "reason": "\(reason)"])
                    }
                }
            }
        }
        try await inbox.record(nextBatch: response.nextBatch, commands: commands, from: response)
    }

    /// Events before `token` in an admin room, back to `since`, oldest first.
    func backfill(_ room: RoomID, from token: String, since: Int64) async -> [ClientEvent] {
        var events: [ClientEvent] = []
        var token = token
        for _ in 0..<TimelineRules.maxBackfillPages {
            guard let page = try? await matrix.messages(room, from: token) else {
                logger.notice("Could not fetch missed messages", metadata: ["room": "\(room)"])
                break
            }
            events += page.chunk
            guard let next = TimelineRules.nextBackfillToken(chunk: page.chunk, end: page.end, since: since) else {
                break
            }
            token = next
        }
        logger.info("Fetched missed messages", metadata: ["room": "\(room)", "events": "\(events.count)"])
        return events.reversed()
    }

    func checkFatal(_ error: MatrixError) throws {
        if error.isAuthenticationFailure {
            throw BotFatalError(
                "the homeserver rejected the access token (\(error.errcode ?? "HTTP 401")): it was logged out or expired; "
                    + "log in again with `fedbot login`")
        }
    }
}
