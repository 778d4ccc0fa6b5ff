import FedBotCore
import FedBotModels
import Foundation
import Logging
import MatrixClient
public import ServiceLifecycle

/// Sends the outbox, each message with its own transaction ID, in order within each room, rooms side by
/// side (one lane per room, `OutboxLanes`): a room waiting to retry, or whose send hangs until the client's
/// timeout, holds back only its own later messages (an edit never overtakes its original), never another
/// room's. While the homeserver is away (no answer, a gateway error) a room retries with backoff for as long
/// as it takes. When Synapse answers a message with a 5xx Matrix error, it is retried up to
/// `maxAttempts` attempts (kept in the store, so a restart does not start over); then the message is given
/// up on. A message the server refuses for good (403 not in room, 413 too large, 400) is given up on at
/// once. A 429 pauses every room as long as the server asks (at most a minute, capped where the error is
/// read) and does not count as an attempt. A refused access token (401) leaves every message queued.
/// Every message given up on is logged, counted in `fedbot_outbox_failed_total` and listed by
/// `!fed status`. Each wait ends at once on graceful shutdown: what is unsent stays queued for the restart.
public struct OutboxService: Service {
    let outbox: Outbox
    let matrix: MatrixClient
    let clock: any BotClock
    let logger: Logger
    let metrics: FedBotMetrics?

    /// Attempts per message before it is given up on. With `backoff(afterAttempt:)` the eighth attempt
    /// comes about 4 minutes after the first: long enough to ride out a Synapse restart or a proxy's 502s,
    /// short enough that someone waiting for a reply learns from `!fed status` that it will not come.
    static let maxAttempts = 8

    /// The wait after the `attempt`-th failed attempt: 2 s, doubling, at most 2 minutes
    /// (2, 4, 8, 16, 32, 64, 120 s: 246 s in all before the last attempt).
    static func backoff(afterAttempt attempt: Int) -> Duration {
        min(.seconds(2) * (1 << min(max(attempt - 1, 0), 16)), .seconds(120))
    }

    init(outbox: Outbox, matrix: MatrixClient, clock: any BotClock, logger: Logger, metrics: FedBotMetrics? = nil) {
        self.outbox = outbox
        self.matrix = matrix
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
    }

    /// How long the last flush may keep a send in flight once shutdown began (a stalled request would
    /// otherwise hold the process until its timeout). The message stays queued for the restart.
    static let shutdownGrace: Duration = .seconds(3)

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await sendUntilStopped() }
            group.addTask { await endAfterShutdownGrace() }
            // Whichever ends first ends the other: normally the sender's last flush; after the grace, the
            // send still in flight is cancelled.
            await group.next()
            group.cancelAll()
        }
        logger.info("Outbox stopped")
    }

    private func endAfterShutdownGrace() async {
        do {
            try await gracefulShutdown()
            try await clock.sleep(for: Self.shutdownGrace)
            logger.notice("A send was still in flight at shutdown; it stays queued and goes out after the restart")
        } catch {
            // Cancelled: the sender finished, or the whole service was cancelled.
        }
    }

    private func sendUntilStopped() async {
        let stopping = StopFlag()
        await withGracefulShutdownHandler {
            let lanes = OutboxLanes()
            await withTaskGroup(of: Void.self) { group in
                while !Task.isCancelled && !stopping.isStopped {
                    await dispatch(lanes, into: &group, stopping: stopping)
                    // Until a room's retry is due, or new messages ring (a lane ending and a shutdown ring too).
                    let wait = lanes.nextDue.map { max(.zero, $0 - clock.now) } ?? .seconds(30)
                    await outbox.wait(timeout: wait)
                }
                // Each lane ends after its send in flight (or is cancelled when the grace is over).
            }
        } onGracefulShutdown: {
            stopping.stop()
            outbox.notify()
        }
    }

    /// Starts a lane for every room that has messages to send now and no lane yet.
    private func dispatch(_ lanes: OutboxLanes, into group: inout TaskGroup<Void>, stopping: StopFlag) async {
        guard let excluded = lanes.excluded(at: clock.now) else { return }
        let batch: [OutboxEntry]
        do {
            batch = try await outbox.unsent(excluding: excluded)
        } catch {
            logger.error("Cannot read the outbox", metadata: ["error": "\(error)"])
            return
        }
        var rooms: [RoomID: [OutboxEntry]] = [:]
        var order: [RoomID] = []
        for entry in batch {
            if rooms[entry.roomID] == nil { order.append(entry.roomID) }
            rooms[entry.roomID, default: []].append(entry)
        }
        for room in order where lanes.claim(room) {
            let entries = rooms[room] ?? []
            group.addTask { await runLane(room, entries, lanes: lanes, stopping: stopping) }
        }
    }

    /// What became of one message.
    enum Outcome {
        /// Sent, or given up on: the room's next message may go.
        case done
        /// The room waits this long before trying again.
        case retry(Duration)
        /// The room's later messages wait for the next pass (a reference not sent yet).
        case holdRoom
        /// Every room waits this long (a rate limit).
        case pauseAll(Duration)
        /// Nothing more can be sent now (the token was refused, the store failed).
        case stop
    }

    /// `streak`: the room's failed tries in a row so far (the backoff grows with it).
    func send(_ entry: OutboxEntry, streak: Int = 0) async -> Outcome {
        let content: Data
        switch await resolveReferences(entry) {
        case .ready(let data): content = data
        case .dropped: return .done
        case .notYet: return .holdRoom
        }
        let attempt = entry.attempts + 1
        do {
            let eventID = try await matrix.send(
                entry.roomID, type: entry.eventType, transactionID: entry.transactionID, encodedContent: content)
            CrashPoint.afterSend.reached()
            try await outbox.markSent(entry.id, eventID: eventID, now: clock.now)
            return .done
        } catch let error as MatrixError where error.isRateLimited {
            let wait = error.retryAfter ?? Self.backoff(afterAttempt: 1)
            logger.notice(
                "Rate limited; every room waits",
                metadata: ["txn": "\(entry.transactionID)", "error": "\(error)", "retry_in": "\(wait)"])
            return .pauseAll(wait)
        } catch let error as MatrixError where error.isTransient && !Self.isAnswer(error) {
            // The homeserver is not answering (down, restarting, a proxy's gateway error): no fault of this
            // message, so nothing counts against it and nothing is given up; the room retries with backoff.
            let wait = Self.backoff(afterAttempt: streak + 1)
            logger.notice(
                "Homeserver not answering; the room waits",
                metadata: [
                    "txn": "\(entry.transactionID)", "room": "\(entry.roomID)", "error": "\(error)",
                    "retry_in": "\(wait)",
                ])
            return .retry(wait)
        } catch let error as MatrixError where error.isTransient && attempt < Self.maxAttempts {
            try? await outbox.markAttempt(entry.id)
            let wait = Self.backoff(afterAttempt: max(attempt, streak + 1))
            logger.notice(
                "Sending delayed; the room waits",
                metadata: [
                    "txn": "\(entry.transactionID)", "room": "\(entry.roomID)", "error": "\(error)",
                    "attempt": "\(attempt)", "retry_in": "\(wait)",
                ])
            return .retry(wait)
        } catch let error as MatrixError where error.isAuthenticationFailure {
            // The token, not the message: keep every message queued (the sync service stops the
            // bot with a clear error; after a new token they go out with the same transaction IDs).
            logger.error(
                "The homeserver refused the access token; messages stay queued",
                metadata: ["txn": "\(entry.transactionID)", "error": "\(error)"])
            return .stop
        } catch let error as MatrixError {
            await giveUp(entry, reason: Self.reason(error), attempts: attempt)
            return .done
        } catch {
            logger.error("Sending failed", metadata: ["error": "\(error)"])
            return .stop
        }
    }

    /// Whether the homeserver itself answered with a Matrix error (its 5xx has an `errcode`): that failure
    /// belongs to the message and counts toward `maxAttempts`. Timeouts, refused connections and a reverse
    /// proxy's gateway pages say only that the homeserver is away, and never give a message up.
    static func isAnswer(_ error: MatrixError) -> Bool {
        error.kind == .http && error.errcode != nil
    }

    /// What `!fed status` shows: the server's answer without the request (the room is shown beside it).
    static func reason(_ error: MatrixError) -> String {
        var error = error
        error.request = ""
        return error.description
    }

    func giveUp(_ entry: OutboxEntry, reason: String, attempts: Int) async {
        logger.error(
            "Could not deliver a message; giving up on it",
            metadata: [
                "txn": "\(entry.transactionID)", "room": "\(entry.roomID)", "error": "\(reason)",
                "attempts": "\(attempts)",
            ])
        try? await outbox.markFailed(entry.id, reason: reason)
        metrics?.outboxMessageFailed()
    }

    enum Resolved {
        case ready(Data)
        /// A referenced message was given up on: this one was dropped too.
        case dropped
        /// A referenced message (in another room) is still queued.
        case notYet
    }

    /// The content to send, with references to earlier messages (an edit's target, a thread's root)
    /// replaced by their event IDs. When a referenced message was never sent (given up on, or not in the
    /// outbox) this one is dropped too. Without references the stored JSON goes out as it is.
    func resolveReferences(_ entry: OutboxEntry) async -> Resolved {
        guard entry.rawContent.range(of: Data(OutboxReference.prefix.utf8)) != nil else {
            return .ready(entry.rawContent)
        }
        let content = entry.message.content
        var eventIDs: [String: String] = [:]
        for reference in OutboxReference.references(in: content) {
            switch (try? await outbox.transactionState(reference)) ?? .missing {
            case .sent(let eventID):
                eventIDs[reference] = eventID
            case .unsent:
                // Within a room the order makes this impossible; another room's message may still be queued.
                return .notYet
            case .failed, .missing:
                logger.warning(
                    "Dropping a message whose original was never sent",
                    metadata: ["txn": "\(entry.transactionID)", "refers_to": "\(reference)"])
                await giveUp(entry, reason: "refers to \(reference), which was never sent", attempts: 0)
                return .dropped
            }
        }
        guard let data = try? HomeserverConnection.body(OutboxReference.resolve(content, eventIDs)) else {
            await giveUp(entry, reason: "its content cannot be encoded", attempts: 0)
            return .dropped
        }
        return .ready(data)
    }
}
