import FedBotCore
import Foundation
public import Logging

/// `fedbot fed WORDS…`: one command from a shell, printed as plain text.
public enum OneShot {
    /// Exit codes of the CLI (DESIGN.md): 0 success, 1 API error, 2 usage or config error.
    public enum ExitStatus: Int32, Sendable {
        case success = 0
        case apiError = 1
        case usageError = 2
    }

    /// Loads the config, runs `words` as a command, prints the reply (and a reset's follow-up).
    public static func fed(
        words: [String], explicitConfig: String?, environment: [String: String], currentDirectory: String,
        logger: Logger, print output: @Sendable (String) -> Void, printError: @Sendable (String) -> Void,
        followUpDelay: Duration = CommandExecutor.resetRecheckDelay
    ) async -> ExitStatus {
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(
                explicitPath: explicitConfig, environment: environment, currentDirectory: currentDirectory)
        } catch {
            reportConfigError(error, printError: printError)
            return .usageError
        }
        for warning in loaded.warnings { printError("fedbot: warning: \(warning)") }
        let config = loaded.config
        let clients = Clients(config: config, logger: logger)
        // With notices configured, mute/unmute/incidents/status work on the bot's state file too.
        var watcher: StoredWatcherControl?
        if !config.notices.rooms.isEmpty, FileManager.default.fileExists(atPath: config.storage.path),
            let store = try? BotStore(path: config.storage.path)
        {
            watcher = StoredWatcherControl(store: store)
        }
        let executor = CommandExecutor(
            admin: clients.admin, matrix: clients.matrix, prefix: config.bot.prefix, watcher: watcher, logger: logger)
        let execution = await executor.run(words: words)
        output(execution.reply.plain)
        if let followUp = execution.followUp {
            try? await Task.sleep(for: followUpDelay)
            output(await executor.run(followUp).plain)
        }
        switch execution.outcome {
        case .ok: return .success
        case .usageError: return .usageError
        case .apiError: return .apiError
        }
    }

    /// One line per problem, each naming the key, on standard error.
    public static func reportConfigError(_ error: ConfigError, printError: (String) -> Void) {
        let location = error.path.map { " in \($0)" } ?? ""
        printError("fedbot: the configuration\(location) is not valid:")
        for problem in error.problems { printError("  - \(problem)") }
    }
}
