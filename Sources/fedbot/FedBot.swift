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
        subcommands: [Fed.self]
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

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "warning"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be trace, debug, info, notice, warning, error or critical")
        }
    }

    func bootstrapLogging() -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .warning
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
            print: { print($0) }, printError: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
