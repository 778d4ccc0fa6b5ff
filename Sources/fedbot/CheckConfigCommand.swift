import ArgumentParser
import FedBotRuntime
import Foundation
import Logging

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
