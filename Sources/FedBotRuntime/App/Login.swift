import FedBotCore
import FedBotModels
import Foundation
public import Logging
public import MatrixClient

/// `fedbot login`: password login, token written to a file (mode 0600), config lines printed.
public enum Login {
    /// Reads the password without echo from a terminal, or one line from standard input otherwise.
    public static func readPassword(prompt: String) -> String? {
        if isatty(STDIN_FILENO) == 1 {
            FileHandle.standardError.write(Data(prompt.utf8))
            var original = termios()
            tcgetattr(STDIN_FILENO, &original)
            var silent = original
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &silent)
            defer {
                tcsetattr(STDIN_FILENO, TCSANOW, &original)
                FileHandle.standardError.write(Data("\n".utf8))
            }
            return readLine(strippingNewline: true)
        }
        return readLine(strippingNewline: true)
    }

    /// Logs in and writes the token. Returns the exit status; prints what to put in the config.
    public static func run(
        homeserver: String, user: String, password: String, deviceID: String, tokenFile: String, logger: Logger,
        transport: (any HTTPTransport)? = nil, print output: @Sendable (String) -> Void,
        printError: @Sendable (String) -> Void
    ) async -> OneShot.ExitStatus {
        guard !password.isEmpty else {
            printError("fedbot: no password given (type it at the prompt, or pipe it on standard input)")
            return .usageError
        }
        let connection = HomeserverConnection(
            baseURL: homeserver, accessToken: nil, transport: transport ?? AsyncHTTPClientTransport(), logger: logger)
        let result: MatrixClient.LoginResult
        do {
            result = try await MatrixClient(connection: connection).login(
                user: user, password: password, deviceID: deviceID, displayName: "fedbot")
        } catch let error as MatrixError {
            let reason =
                switch error.errcode {
                case "M_FORBIDDEN": "wrong user name or password"
                case "M_USER_DEACTIVATED": "this account is deactivated"
                case "M_LIMIT_EXCEEDED": "too many login attempts; try again later"
                default: MatrixErrorText.describe(error)
                }
            printError("fedbot: login failed: \(reason)")
            return .apiError
        } catch {
            printError("fedbot: login failed: \(error)")
            return .apiError
        }
        do {
            try writeSecret(result.accessToken, to: tokenFile)
        } catch {
            printError("fedbot: logged in, but could not write \(tokenFile): \(error)")
            return .apiError
        }
        output("Logged in as \(result.userID) (device \(result.deviceID)).")
        output("The token is in \(tokenFile) (mode 0600). Put these lines in your config:")
        output("")
        output("homeserver:")
        output("  url: \"\(homeserver)\"")
        output("  access_token_file: \"\(tokenFile)\"")
        output("")
        output("The bot's account must be a Synapse server admin for the federation commands.")
        return .success
    }

    /// Writes `secret` to `path` readable by the owner only, replacing what was there. A symbolic link or
    /// anything but a regular file at `path` is refused: the token is never written through a link.
    public static func writeSecret(_ secret: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0o600)
        guard fd >= 0 else {
            if errno == ELOOP { throw SecretFileError("\(path) is a symbolic link: remove it or choose another path") }
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        defer { close(fd) }
        // Opened without following a link, so this is the file itself (a FIFO or a directory failed to open).
        let type = try FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType
        guard type == .typeRegular else {
            throw SecretFileError("\(path) is not a regular file: choose another path")
        }
        guard fchmod(fd, 0o600) == 0, ftruncate(fd, 0) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        let bytes = Array((secret + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}

/// A token file that fedbot will not write.
public struct SecretFileError: Error, CustomStringConvertible, Sendable {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
