import ArgumentParser
import FedBotRuntime
import Foundation
import Logging

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
            print: { print($0) }, printError: printError, usage: FedBot.helpMessage(for: Fed.self))
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
