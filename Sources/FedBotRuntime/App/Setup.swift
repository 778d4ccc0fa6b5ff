import FedBotCore
public import FedBotModels
import Foundation
public import Logging
public import MatrixClient

/// `fedbot setup --invite USER… [--write-config]`: the admin room and the notice room, made by the bot
/// (unencrypted, invite-only), the admins invited, and the config lines printed or written.
public enum Setup {
    /// Checks the arguments and the config before anything connects, then makes (or finds) the rooms.
    public static func run(
        invites: [String], writeConfig: Bool, explicitConfig: String?, environment: [String: String],
        currentDirectory: String, logger: Logger, transport: (any HTTPTransport)? = nil,
        print output: @Sendable (String) -> Void, printError: @Sendable (String) -> Void
    ) async -> OneShot.ExitStatus {
        let admins: [UserID]
        switch parseInvites(invites) {
        case .success(let users): admins = users
        case .failure(let problem):
            printError("fedbot: \(problem.description)")
            return .usageError
        }
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(
                explicitPath: explicitConfig, environment: environment, currentDirectory: currentDirectory)
        } catch {
            OneShot.reportConfigError(error, printError: printError)
            return .usageError
        }
        for warning in loaded.warnings { printError("fedbot: warning: \(warning)") }
        let path = loaded.sourcePath
        if writeConfig, let problem = configEditProblem(path) {
            printError("fedbot: cannot write the rooms into \(path): \(problem) (nothing was made)")
            return .usageError
        }

        let clients = Clients(config: loaded.config, logger: logger, transport: transport)
        let outcome: RoomPairSetup.Outcome
        do {
            let me = try await clients.matrix.whoAmI().userID
            outcome = try await RoomPairSetup(
                matrix: clients.matrix, admin: clients.admin, admins: admins.filter { $0 != me }
            ).run()
        } catch let error as RoomPairSetup.ForcedEncryption {
            printError("fedbot: \(error.description)")
            return .apiError
        } catch let error as MatrixError {
            printError("fedbot: setup failed: \(MatrixErrorText.describe(error))")
            return .apiError
        } catch {
            printError("fedbot: setup failed: \(error)")
            return .apiError
        }
        for line in outcome.lines { output(line) }
        guard let admin = outcome.rooms[.admin], let notices = outcome.rooms[.notices] else {
            printError("fedbot: setup failed: the rooms were not made")
            return .apiError
        }
        output("")
        if writeConfig {
            do {
                try write(admin: admin, notices: notices, to: path, output: output)
            } catch {
                printError("fedbot: the rooms are made, but \(path) could not be changed: \(error.description)")
                for line in SetupRooms.configLines(admin: admin, notices: notices) { printError(line) }
                return .usageError
            }
        } else {
            output("Put these lines in your config (or run again with --write-config):")
            output("")
            for line in SetupRooms.configLines(admin: admin, notices: notices) { output(line) }
        }
        output("")
        output("Then (re)start fedbot run: it reads the rooms at start-up. The admins accept the invites in their")
        output("Matrix client and type !fed help in \"\(SetupRooms.Role.admin.name)\".")
        for problem in outcome.problems { printError("fedbot: \(problem)") }
        return outcome.problems.isEmpty ? .success : .apiError
    }

    /// A wrong `--invite`, said in one line.
    public struct InviteProblem: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The `--invite` values as user IDs, duplicates dropped; at least one is needed.
    public static func parseInvites(_ values: [String]) -> Result<[UserID], InviteProblem> {
        guard !values.isEmpty else {
            return .failure(
                InviteProblem(
                    description: "setup needs at least one --invite USER: the admins who get the rooms, "
                        + "e.g. --invite @alice:example.org"))
        }
        var users: [UserID] = []
        for value in values {
            guard let user = UserID(value) else {
                return .failure(
                    InviteProblem(
                        description: "--invite \(ConfigDocument.quote(value)): expected a user ID such as "
                            + "@alice:example.org"))
            }
            if !users.contains(user) { users.append(user) }
        }
        return .success(users)
    }

    /// Why `--write-config` could not edit the file, found before any room is made (by a trial edit).
    static func configEditProblem(_ path: String) -> String? {
        guard case .success(let text) = ConfigFiles.read(path) else { return "it cannot be read" }
        guard access(path, W_OK) == 0,
            access(
                (URL(fileURLWithPath: path).resolvingSymlinksInPath().path as NSString).deletingLastPathComponent,
                W_OK) == 0
        else { return "it or its directory is not writable" }
        do {
            _ = try rewritten(text, admin: "!placeholder:example.org", notices: "!placeholder:example.org")
            return nil
        } catch {
            return error.description
        }
    }

    static func rewritten(_ text: String, admin: String, notices: String) throws(ConfigRewriter.Failure) -> String {
        let withAdmin = try ConfigRewriter.setting(section: "bot", key: "rooms", to: [admin], in: text)
        return try ConfigRewriter.setting(section: "notices", key: "rooms", to: [notices], in: withAdmin)
    }

    private static func write(
        admin: RoomID, notices: RoomID, to path: String, output: (String) -> Void
    ) throws(ConfigRewriter.Failure) {
        guard case .success(let original) = ConfigFiles.read(path) else {
            throw ConfigRewriter.Failure(description: "it cannot be read")
        }
        let text = try rewritten(original, admin: admin.rawValue, notices: notices.rawValue)
        guard text != original else {
            output("\(path) already has these rooms in bot.rooms and notices.rooms.")
            return
        }
        try ConfigFiles.replace(path, with: text, expected: original)
        output("Wrote bot.rooms and notices.rooms to \(path); everything else in it is as it was.")
        for role in SetupRooms.Role.allCases {
            let (section, key) = role.configKey
            let new = role == .admin ? admin.rawValue : notices.rawValue
            if let old = ConfigRewriter.list(section: section, key: key, in: original), !old.isEmpty, old != [new] {
                output("  \(section).\(key) was [\(old.map { String(reflecting: $0) }.joined(separator: ", "))]")
            }
        }
    }
}
