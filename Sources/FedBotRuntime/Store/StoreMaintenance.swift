import FedBotModels
import Logging
public import ServiceLifecycle

/// Keeps the state file small: prunes what the bot is done with (`Retention`) at start-up and then once
/// per `Retention.interval` on the bot's clock.
public struct StoreMaintenance: Service {
    let store: BotStore
    let retention: Retention
    let clock: any BotClock
    let logger: Logger

    init(store: BotStore, retention: Retention, clock: any BotClock, logger: Logger) {
        self.store = store
        self.retention = retention
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await pruneOnce()
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(for: Retention.interval) }
            } catch {
                break
            }
        }
    }

    func pruneOnce() async {
        do {
            let pruned = try await store.prune(now: clock.now.milliseconds, retention: retention)
            if pruned.commands > 0 || pruned.messages > 0 {
                logger.info(
                    "Pruned the state file",
                    metadata: ["commands": "\(pruned.commands)", "messages": "\(pruned.messages)"])
            }
        } catch {
            logger.warning("Could not prune the state file", metadata: ["error": "\(error)"])
        }
    }
}
