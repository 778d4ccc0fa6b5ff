import FedBotCore
import FedBotModels
import Foundation
import Logging
import MatrixClient
public import ServiceLifecycle

/// Sends the outbox in order, each message with its own transaction ID, retrying the same transaction
/// after rate limits (waiting as long as the server asks), transport errors and 5xx. A message the
/// server refuses for good (403 not in room, 413 too large, 400) is marked failed and logged; a refused
/// access token (401) leaves every message queued.
public struct OutboxService: Service {
    let outbox: Outbox
    let matrix: MatrixClient
    let clock: any BotClock
    let logger: Logger
    let maxBackoff: Duration

    init(
        outbox: Outbox, matrix: MatrixClient, clock: any BotClock, logger: Logger, maxBackoff: Duration = .seconds(30)
    ) {
        self.outbox = outbox
        self.matrix = matrix
        self.clock = clock
        self.logger = logger
        self.maxBackoff = maxBackoff
    }

    public func run() async throws {
        let stopping = StopFlag()
        await withGracefulShutdownHandler {
            while !Task.isCancelled {
                await flush(stopping: stopping)
                if stopping.isStopped { break }
                await outbox.wait(timeout: .seconds(30))
            }
        } onGracefulShutdown: {
            stopping.stop()
            outbox.notify()
        }
        logger.info("Outbox stopped")
    }

    /// Sends everything unsent. While shutting down it gives up on waits (the messages stay queued and
    /// go out after the restart, with the same transaction IDs).
    func flush(stopping: StopFlag) async {
        var backoff = Duration.milliseconds(500)
        while !Task.isCancelled {
            let batch: [OutboxEntry]
            do {
                batch = try await outbox.unsent()
            } catch {
                logger.error("Cannot read the outbox", metadata: ["error": "\(error)"])
                return
            }
            guard !batch.isEmpty else { return }
            for entry in batch {
                guard let content = await resolveReferences(entry) else { continue }
                do {
                    let eventID = try await matrix.send(
                        entry.roomID, type: entry.eventType, transactionID: entry.transactionID,
                        encodedContent: content)
                    CrashPoint.afterSend.reached()
                    try await outbox.markSent(entry.id, eventID: eventID, now: clock.now)
                    backoff = .milliseconds(500)
                } catch let error as MatrixError where error.isTransient {
                    try? await outbox.markAttempt(entry.id)
                    let wait = error.isRateLimited ? (error.retryAfter ?? backoff) : backoff
                    logger.notice(
                        "Sending delayed",
                        metadata: ["txn": "\(entry.transactionID)", "error": "\(error)", "retry_in": "\(wait)"])
                    if stopping.isStopped && wait > .seconds(2) { return }
                    try? await clock.sleep(for: wait)
                    backoff = min(backoff * 2, maxBackoff)
                    break  // re-read the outbox: keep the order
                } catch let error as MatrixError where error.isAuthenticationFailure {
                    // The token, not the message: keep every message queued (the sync service stops the
                    // bot with a clear error; after a new token they go out with the same transaction IDs).
                    logger.error(
                        "The homeserver refused the access token; messages stay queued",
                        metadata: ["txn": "\(entry.transactionID)", "error": "\(error)"])
                    return
                } catch let error as MatrixError {
                    logger.error(
                        "The homeserver refused a message; giving up on it",
                        metadata: ["txn": "\(entry.transactionID)", "room": "\(entry.roomID)", "error": "\(error)"])
                    try? await outbox.markFailed(entry.id, reason: error.description)
                } catch {
                    logger.error("Sending failed", metadata: ["error": "\(error)"])
                    return
                }
            }
        }
    }

    /// The content to send, with references to earlier messages (an edit's target, a thread's root)
    /// replaced by their event IDs; nil (and the message marked failed) when a referenced message was
    /// never sent. Without references the stored JSON goes out as it is.
    func resolveReferences(_ entry: OutboxEntry) async -> Data? {
        guard entry.rawContent.range(of: Data(OutboxReference.prefix.utf8)) != nil else { return entry.rawContent }
        let content = entry.message.content
        let references = OutboxReference.references(in: content)
        var eventIDs: [String: String] = [:]
        for reference in references {
            switch (try? await outbox.transactionState(reference)) ?? .missing {
            case .sent(let eventID):
                eventIDs[reference] = eventID
            case .unsent, .failed, .missing:
                // Messages go out in order, so the referenced one was sent or given up on before this.
                logger.warning(
                    "Dropping a message whose original was never sent",
                    metadata: ["txn": "\(entry.transactionID)", "refers_to": "\(reference)"])
                try? await outbox.markFailed(entry.id, reason: "refers to \(reference), which was never sent")
                return nil
            }
        }
        return try? HomeserverConnection.body(OutboxReference.resolve(content, eventIDs))
    }
}
