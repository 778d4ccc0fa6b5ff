import ArgumentParser
import FedBotRuntime
import Foundation
import Logging

/// The `fedbot` command line: parses flags and calls into FedBotRuntime.
@main
struct FedBot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedbot",
        abstract: "A Matrix bot that watches Synapse federation and answers !fed commands.",
        version: FedBotVersion.current,
        subcommands: [Run.self, Fed.self, CheckConfigCommand.self, LoginCommand.self]
    )

    /// Usage errors exit 2 (DESIGN.md), not ArgumentParser's 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(OneShot.ExitStatus.usageError.rawValue)
            }
            exit(withError: error)
        }
    }
}

/// Options every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Config file (default: $FEDBOT_CONFIG, else ./config/fedbot.yaml).")
    var config: String?

    @Option(
        name: .long,
        help: "Log level: trace, debug, info, notice, warning, error or critical (default: warning; info for run).")
    var logLevel: String?

    func validate() throws {
        guard logLevel.map({ Logger.Level(rawValue: $0) != nil }) ?? true else {
            throw ValidationError("--log-level must be trace, debug, info, notice, warning, error or critical")
        }
    }

    func bootstrapLogging(default defaultLevel: Logger.Level = .warning) -> Logger {
        let level = logLevel.flatMap(Logger.Level.init(rawValue:)) ?? defaultLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "fedbot")
    }
}

/// `fedbot fed WORDS…`
struct Fed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one !fed command and print the answer (exit 0 ok, 1 API error, 2 usage/config error).",
        discussion: "Example: fedbot fed list failing --limit 50"
    )

    @OptionGroup var options: GlobalOptions

    @Argument(parsing: .captureForPassthrough, help: "The command words, as after !fed in a chat.")
    var words: [String] = []

    func run() async throws {
        // `--config` may also come after the words.
        var words = words
        var config = options.config
        if let index = words.firstIndex(of: "--config"), index + 1 < words.count {
            config = words[index + 1]
            words.removeSubrange(index...(index + 1))
        }
        let status = await OneShot.fed(
            words: words, explicitConfig: config, environment: ProcessInfo.processInfo.environment,
            currentDirectory: FileManager.default.currentDirectoryPath, logger: options.bootstrapLogging(),
            print: { print($0) }, printError: printError)
        if status != .success { throw ExitCode(status.rawValue) }
    }
}

/// `fedbot run`
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the bot: answer commands in admin rooms until SIGTERM or SIGINT.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let logger = options.bootstrapLogging(default: .info)
        let environment = ProcessInfo.processInfo.environment
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(
                explicitPath: options.config, environment: environment,
                currentDirectory: FileManager.default.currentDirectoryPath)
        } catch {
            OneShot.reportConfigError(error, printError: printError)
            throw ExitCode(OneShot.ExitStatus.usageError.rawValue)
        }
        for warning in loaded.warnings { logger.warning("\(warning)") }
        do {
            try await BotApp.run(config: loaded.config, logger: logger)
        } catch let error as BotFatalError {
            printError("fedbot: \(error.description)")
            throw ExitCode(1)
        }
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// `fedbot check-config`
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check the config, the homeserver, the token, admin rights, the rooms and the state file.",
        discussion: "Prints a checklist. Exit status: 0 all required checks pass, 1 a check failed, 2 invalid config.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let status = await CheckConfig.run(
            explicitConfig: options.config, environment: ProcessInfo.processInfo.environment,
            currentDirectory: FileManager.default.currentDirectoryPath,
            logger: options.bootstrapLogging(default: .error),
            print: { print($0) })
        if status != .success { throw ExitCode(status.rawValue) }
    }
}

/// `fedbot login`
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log the bot's account in with its password and store the access token in a file (mode 0600).",
        discussion:
            "The password is read from the terminal without echo, or from standard input when piped; never from an argument."
    )

    @Option(help: "Homeserver URL (client-server API), e.g. https://matrix.example.org.")
    var homeserver: String

    @Option(help: "The bot account's user name or user ID.")
    var user: String

    @Option(help: "Device ID to log in as; keeping it stable keeps message deduplication across restarts.")
    var deviceID: String = "FEDBOT"

    @Option(help: "Where to write the token.")
    var tokenFile: String = "fedbot.token"

    @Option(help: "Log level.")
    var logLevel: String = "error"

    func run() async throws {
        var logger = Logger(label: "fedbot")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .error
        guard let password = Login.readPassword(prompt: "Password for \(user): ") else {
            printError("fedbot: no password given")
            throw ExitCode(OneShot.ExitStatus.usageError.rawValue)
        }
        let status = await Login.run(
            homeserver: homeserver, user: user, password: password, deviceID: deviceID, tokenFile: tokenFile,
            logger: logger, print: { print($0) }, printError: printError)
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
