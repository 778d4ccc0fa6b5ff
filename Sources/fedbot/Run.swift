import ArgumentParser
import FedBotRuntime
import Foundation
import Logging

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
