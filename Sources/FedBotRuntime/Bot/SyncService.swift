import FedBotCore
import FedBotModels
import Foundation
import Logging
import MatrixClient
public import ServiceLifecycle

/// Long-polls `/sync`, joins configured rooms on invite (declining others), and records commands from
/// admin rooms together with the sync position, then rings the command worker.
public struct SyncService: Service {
    let context: BotContext
    /// The long-poll timeout.
    let pollTimeout: Duration

    public init(context: BotContext, pollTimeout: Duration = .seconds(30)) {
        self.context = context
        self.pollTimeout = pollTimeout
    }

    public func run() async throws {
        let me = try await startUp()
        var filter = try await uploadFilter(for: me)
        var since = try context.store.value(BotStore.Key.nextBatch)
        if since == nil {
            do {
                let filterID = filter.id
                since = try await cancelWhenGracefulShutdown { try await initialSync(filterID: filterID) }
            } catch is CancellationError {
                context.logger.info("Sync stopped during the first sync")
                return
            }
        }
        let notBefore = Int64(try context.store.value(BotStore.Key.firstSyncAt) ?? "0") ?? 0
        var backoff = Duration.seconds(1)
        // The first sync after a start returns at once: what arrived while the bot was down is handled
        // without waiting, and /healthz turns healthy right away.
        var timeout = Duration.zero
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let response: SyncResponse
            do {
                if await context.rooms.adminRoomIDs != filter.rooms {
                    // A configured room was joined after an invite: let its events through.
                    filter = try await uploadFilter(for: me)
                }
                let (position, wait, filterID) = (since, timeout, filter.id)
                response = try await cancelWhenGracefulShutdown {
                    try await context.matrix.sync(filter: filterID, since: position, timeout: wait)
                }
                timeout = pollTimeout
            } catch is CancellationError {
                break
            } catch let error as MatrixError {
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                try checkFatal(error)
                context.health.syncFailed(error.description)
                let wait = error.isRateLimited ? (error.retryAfter ?? backoff) : backoff
                context.logger.warning("Sync failed, retrying", metadata: ["error": "\(error)", "in": "\(wait)"])
                try? await Task.sleep(for: wait)
                backoff = min(backoff * 2, .seconds(60))
                continue
            }
            backoff = .seconds(1)
            try await handle(response, me: me, notBefore: notBefore)
            since = response.nextBatch
            context.health.syncSucceeded(at: context.now())
        }
        context.logger.info("Sync stopped")
    }

    /// whoami, then join the configured rooms and check their encryption.
    func startUp() async throws -> UserID {
        let whoami: MatrixClient.WhoAmI
        do {
            whoami = try await retrying("reach the homeserver") { try await context.matrix.whoAmI() }
        } catch let error as MatrixError where error.isAuthenticationFailure {
            throw BotFatalError(
                "the access token for \(context.config.homeserver.url) is not valid (\(error.errcode ?? "HTTP 401")): "
                    + "log in again with `fedbot login` or fix homeserver.access_token")
        }
        let me = whoami.userID
        context.me = me
        try context.store.setValue(me.rawValue, for: BotStore.Key.userID)
        context.logger.info(
            "Logged in", metadata: ["user": "\(me)", "device": "\(whoami.deviceID ?? "none")"])
        if whoami.deviceID == nil {
            context.logger.warning(
                "The access token has no device: retries after a crash are still deduplicated per token, but a new token loses that"
            )
        }
        await context.rooms.joinConfiguredRooms(context.matrix)
        context.roomsReady.open()
        for room in await context.rooms.adminRoomIDs.sorted() {
            guard let id = RoomID(room) else { continue }
            if (try? await context.matrix.state(id, type: "m.room.encryption")) ?? nil != nil {
                await warnEncrypted(room)
            }
        }
        return me
    }

    /// The first sync ever: records the position without running anything from the history, and
    /// answers pending invites.
    func initialSync(filterID: String) async throws -> String {
        let startedAt = context.now()
        try context.store.setValue(String(startedAt.milliseconds), for: BotStore.Key.firstSyncAt)
        let response = try await retrying("run the first sync") {
            try await context.matrix.sync(filter: filterID, since: nil, timeout: .zero)
        }
        await handleInvites(response)
        await noteRoomState(response, adminRooms: await context.rooms.adminRoomIDs)
        try context.store.recordSync(nextBatch: response.nextBatch, commands: [])
        context.health.syncSucceeded(at: context.now())
        context.logger.info("First sync done; commands from now on are answered")
        return response.nextBatch
    }

    /// The uploaded filter and the admin rooms it lets through.
    struct UploadedFilter {
        var id: String
        var rooms: Set<String>
    }

    /// Uploads the sync filter for the admin rooms known now: other rooms' messages never leave Synapse.
    func uploadFilter(for me: UserID) async throws -> UploadedFilter {
        let rooms = await context.rooms.adminRoomIDs
        let id = try await retrying("upload the sync filter") {
            try await context.matrix.uploadFilter(SyncFilter.json(adminRooms: rooms), for: me)
        }
        return UploadedFilter(id: id, rooms: rooms)
    }

    func handle(_ response: SyncResponse, me: UserID, notBefore: Int64) async throws {
        if !response.rooms.invite.isEmpty { await handleInvites(response) }
        let adminRooms = await context.rooms.adminRoomIDs
        await noteRoomState(response, adminRooms: adminRooms)
        for (roomID, _) in response.rooms.leave where adminRooms.contains(roomID) {
            context.logger.warning("The bot left or was removed from an admin room", metadata: ["room": "\(roomID)"])
        }
        let intake = CommandIntake(
            botUser: me.rawValue, prefix: context.config.bot.prefix, adminRooms: adminRooms,
            notBefore: notBefore, maxAge: context.config.bot.maxCommandAge)
        let now = context.now().milliseconds
        var commands: [StoredCommand] = []
        for (roomID, room) in response.rooms.join.sorted(by: { $0.key < $1.key }) {
            var timeline = room.timeline
            if let join = timeline.lastIndex(where: { Self.isJoin($0, of: me) }) {
                // What was said before the bot joined is history, not commands to it (and no gap to fill).
                timeline = Array(timeline[timeline.index(after: join)...])
            } else if room.limited, intake.adminRooms.contains(roomID), let prevBatch = room.prevBatch {
                // More happened than one sync holds: fetch the gap, back as far as a command can be young
                // enough to answer (events are deduplicated by ID, so overlap is harmless).
                timeline =
                    await backfill(roomID, from: prevBatch, since: now - intake.maxAge.wholeMilliseconds) + timeline
            }
            for event in timeline {
                if event.type == "m.room.encrypted", intake.adminRooms.contains(roomID), event.sender != me.rawValue {
                    await warnEncrypted(roomID)
                }
                switch intake.classify(event, in: roomID, now: now) {
                case .command(let command):
                    commands.append(command)
                case .ignore(let reason):
                    if reason == .tooOld || reason == .beforeFirstSync {
                        context.logger.info(
                            "Ignored an old command",
                            metadata: ["event": "\(event.eventID ?? "")", "reason": "\(reason)"])
                    }
                }
            }
        }
        let added = try context.store.recordSync(nextBatch: response.nextBatch, commands: commands)
        if added > 0 {
            CrashPoint.afterRecord.reached()
            context.commandWakeup.signal()
        }
    }

    /// The bot's own join (not a profile change, which is a `join` after a `join`).
    static func isJoin(_ event: ClientEvent, of me: UserID) -> Bool {
        event.type == "m.room.member" && event.stateKey == me.rawValue
            && event.content["membership"]?.string == "join"
            && event.unsigned?["prev_content"]?["membership"]?.string != "join"
    }

    /// Events before `token` in an admin room, back to `since` (at most 10 pages), oldest first.
    func backfill(_ roomID: String, from token: String, since: Int64) async -> [ClientEvent] {
        guard let room = RoomID(roomID) else { return [] }
        var events: [ClientEvent] = []
        var token = token
        for _ in 0..<10 {
            guard let page = try? await context.matrix.messages(room, from: token) else {
                context.logger.notice("Could not fetch missed messages", metadata: ["room": "\(roomID)"])
                break
            }
            events += page.chunk
            let oldest = page.chunk.compactMap(\.originServerTs).min() ?? 0
            guard let end = page.end, !page.chunk.isEmpty, oldest >= since else { break }
            token = end
        }
        context.logger.info("Fetched missed messages", metadata: ["room": "\(roomID)", "events": "\(events.count)"])
        return events.reversed()
    }

    /// Joins invites to configured rooms; declines every other invite.
    func handleInvites(_ response: SyncResponse) async {
        for (roomID, invite) in response.rooms.invite.sorted(by: { $0.key < $1.key }) {
            guard let id = RoomID(roomID) else { continue }
            let matrix = context.matrix
            if await context.rooms.isConfigured(roomID, resolve: { try? await matrix.resolve($0).rawValue }) {
                do {
                    _ = try await context.matrix.join(.id(id))
                    await context.rooms.joined(roomID)
                    context.logger.info("Joined a configured room after an invite", metadata: ["room": "\(roomID)"])
                } catch {
                    context.logger.warning(
                        "Could not join after an invite", metadata: ["room": "\(roomID)", "error": "\(error)"])
                }
            } else {
                let inviter = invite.events.first {
                    $0.type == "m.room.member" && $0.content["membership"]?.string == "invite"
                }?.sender
                context.logger.info(
                    "Declining an invite to a room that is not configured",
                    metadata: ["room": "\(roomID)", "inviter": "\(inviter ?? "?")"])
                try? await context.matrix.leave(id, reason: "fedbot only joins the rooms in its configuration")
            }
        }
    }

    /// Notices encryption being turned on in an admin room.
    func noteRoomState(_ response: SyncResponse, adminRooms: Set<String>) async {
        for (roomID, room) in response.rooms.join where adminRooms.contains(roomID) {
            if (room.state + room.timeline).contains(where: { $0.type == "m.room.encryption" && $0.isState }) {
                await warnEncrypted(roomID)
            }
        }
    }

    func warnEncrypted(_ roomID: String) async {
        guard await context.rooms.markEncrypted(roomID) else { return }
        context.logger.error(
            "Admin room is encrypted: fedbot cannot read commands there. Use an unencrypted admin room, or put an E2EE proxy such as pantalaimon in front of fedbot",
            metadata: ["room": "\(roomID)"])
    }

    func checkFatal(_ error: MatrixError) throws {
        if error.isAuthenticationFailure {
            throw BotFatalError(
                "the homeserver rejected the access token (\(error.errcode ?? "HTTP 401")): it was logged out or expired; "
                    + "log in again with `fedbot login`")
        }
    }

    /// Retries `operation` on transient errors with backoff until it succeeds, fails for good, or the
    /// service shuts down.
    func retrying<T: Sendable>(_ what: String, _ operation: @Sendable () async throws -> T) async throws -> T {
        var backoff = Duration.seconds(1)
        while true {
            do {
                return try await operation()
            } catch let error as MatrixError where error.isTransient {
                if Task.isCancelled || Task.isShuttingDownGracefully { throw CancellationError() }
                context.logger.warning(
                    "Cannot \(what) yet, retrying", metadata: ["error": "\(error)", "in": "\(backoff)"])
                context.health.syncFailed(error.description)
                try await Task.sleep(for: error.isRateLimited ? (error.retryAfter ?? backoff) : backoff)
                backoff = min(backoff * 2, .seconds(60))
            }
        }
    }
}
