import ArgumentParser
import FedBotRuntime
import Foundation
import Logging

/// `fedbot setup`
struct SetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Make the bot's admin room and notice room (unencrypted, invite-only) and invite the admins.",
        discussion: """
            The bot's account makes both rooms, gives the invited admins power level 100 and prints the \
            bot.rooms and notices.rooms lines for the config (--write-config puts them into the config file, \
            keeping the rest of it). Running it again makes no new rooms: it finds the pair in the bot's \
            account data, invites admins named for the first time and gives them 100. Needs only \
            homeserver.url and the bot's token in the config. Exit status: 0 done, 1 the homeserver failed \
            or refused (e.g. it encrypts every new room), 2 usage or config error.
            """)

    @OptionGroup var options: GlobalOptions

    @Option(
        name: .customLong("invite"), parsing: .upToNextOption,
        help: "The admins to invite, e.g. @alice:example.org (one or more; may be repeated).")
    var invites: [String] = []

    @Flag(help: "Write bot.rooms and notices.rooms into the config file instead of printing them.")
    var writeConfig = false

    func run() async throws {
        let status = await Setup.run(
            invites: invites, writeConfig: writeConfig, explicitConfig: options.config,
            environment: ProcessInfo.processInfo.environment,
            currentDirectory: FileManager.default.currentDirectoryPath, logger: options.bootstrapLogging(),
            print: { print($0) }, printError: printError)
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
