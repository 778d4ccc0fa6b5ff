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

    /// Loads the config, runs `words` as a command, prints the reply (and a reset's follow-up). Help
    /// (`--help`, `COMMAND --help`, `help [COMMAND]`) needs no config; `usage` is the CLI's help of `fed`.
    public static func fed(
        words: [String], explicitConfig: String?, environment: [String: String], currentDirectory: String,
        logger: Logger, print output: @Sendable (String) -> Void, printError: @Sendable (String) -> Void,
        followUpDelay: Duration = CommandExecutor.resetRecheckDelay, usage: String = ""
    ) async -> ExitStatus {
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(
                explicitPath: explicitConfig, environment: environment, currentDirectory: currentDirectory)
        } catch {
            if asksForHelp(words) {
                let answer = help(words, usage: usage, config: nil)
                output(answer.text)
                return answer.status
            }
            reportConfigError(error, printError: printError)
            return .usageError
        }
        for warning in loaded.warnings { printError("fedbot: warning: \(warning)") }
        let config = loaded.config
        if asksForHelp(words) {
            let answer = help(words, usage: usage, config: config)
            output(answer.text)
            return answer.status
        }
        let clients = Clients(config: config, logger: logger)
        let executor = CommandExecutor(
            admin: clients.admin, matrix: clients.matrix, prefix: config.bot.prefix, watcher: watcherControl(config),
            logger: logger, diagnosis: Diagnosis(config: config.diagnostics))
        if let json = await checkJSON(words, executor: executor) {
            output(json.text)
            return json.status
        }
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

    /// With notices configured, mute/unmute/incidents/status work on the running bot's state file
    /// (`storage.path`, resolved against the current directory when relative). When it is not there, they
    /// say so: nothing is created, since a file the bot does not read would make a mute silently void.
    static func watcherControl(_ config: FedBotConfig) -> (any WatcherControl)? {
        guard !config.notices.rooms.isEmpty else { return nil }
        let path = config.storage.path
        guard FileManager.default.fileExists(atPath: path) else { return MissingStateFile(path: path) }
        do {
            return StoredWatcherControl(store: try BotStore(path: path))
        } catch {
            return MissingStateFile(StateFileProblem(path: path, reason: "\(error)"))
        }
    }

    /// One line per problem, each naming the key, on standard error.
    public static func reportConfigError(_ error: ConfigError, printError: (String) -> Void) {
        let location = error.path.map { " in \($0)" } ?? ""
        printError("fedbot: the configuration\(location) is not valid:")
        for problem in error.problems { printError("  - \(problem)") }
    }
}
