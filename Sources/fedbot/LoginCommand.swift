import ArgumentParser
import FedBotRuntime
import Foundation
import Logging

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
