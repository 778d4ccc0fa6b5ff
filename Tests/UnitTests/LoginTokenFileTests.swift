import FedBotRuntime
import Foundation
import Testing

/// `fedbot login` writes the token file itself: never through a link, always mode 0600.
@Suite struct LoginTokenFileTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "fedbot-login-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    @Test func aSymbolicLinkAtTheTokenPathIsRefusedAndItsTargetUntouched() throws {
        let victim = directory + "/victim"
        try "keep me\n".write(toFile: victim, atomically: true, encoding: .utf8)
        let link = directory + "/token"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: victim)
        #expect(throws: SecretFileError.self) { try Login.writeSecret("syt_secret", to: link) }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep me\n")
    }

    @Test func anExistingFileIsReplacedAndMadePrivate() throws {
        let path = directory + "/token"
        try "an older, much longer token\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
        try Login.writeSecret("syt_new", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "syt_new\n")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aDirectoryIsRefused() throws {
        #expect(throws: (any Error).self) { try Login.writeSecret("syt_secret", to: directory) }
    }
}
