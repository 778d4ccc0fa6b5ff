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
        subcommands: [Run.self, Fed.self, SetupCommand.self, CheckConfigCommand.self, LoginCommand.self]
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

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
