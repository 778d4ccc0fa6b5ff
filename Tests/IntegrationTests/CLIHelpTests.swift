import FedBotLab
import Foundation
import Testing

/// The built `fedbot` binary: the help a newcomer asks for first needs no config (no lab needed).
@Suite struct CLIHelpTests {
    /// Runs `.build/debug/fedbot` with `arguments` in an empty directory, without `FEDBOT_CONFIG`.
    static func fedbot(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let binary = Lab.repositoryRoot + "/.build/debug/fedbot"
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build first: swift build")
        let directory = NSTemporaryDirectory() + "fedbot-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FEDBOT_") }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    @Test func fedHelpPrintsTheUsageAndTheChatCommands() throws {
        for flag in ["--help", "-h"] {
            let (status, output, errors) = try Self.fedbot(["fed", flag])
            #expect(status == 0, "\(errors)")
            #expect(output.contains("USAGE: fedbot fed [--config <config>]"))
            #expect(output.contains("• !fed list — destinations, failing first"))
            #expect(output.contains("• !fed incidents — "))
            #expect(errors.isEmpty)
        }
    }

    @Test(arguments: [["fed", "list", "--help"], ["fed", "list", "-h"], ["fed", "help", "list"]])
    func commandHelp(_ arguments: [String]) throws {
        let (status, output, errors) = try Self.fedbot(arguments)
        #expect(status == 0, "\(errors)")
        #expect(output.hasPrefix("!fed list [failing|healthy|all] [TEXT] [--sort name|failure|retry|last-success]"))
        #expect(output.contains("--limit takes 1 to 1000, --page counts from 1."))
        #expect(errors.isEmpty)
    }

    @Test func anyOtherCommandStillNeedsAConfig() throws {
        let (status, _, errors) = try Self.fedbot(["fed", "status"])
        #expect(status == 2)
        #expect(errors.contains("is not valid"))
    }

    @Test func setupChecksItsInvitesBeforeAnythingElse() throws {
        for arguments in [["setup", "--invite", "alice"], ["setup"], ["setup", "--invite", "@a:example.org", "@b"]] {
            let (status, output, errors) = try Self.fedbot(arguments)
            #expect(status == 2, "\(arguments)")
            #expect(output.isEmpty)
            #expect(errors.split(separator: "\n").count == 1, "\(errors)")
            #expect(errors.hasPrefix("fedbot: "))
        }
    }

    @Test func helpListsSetup() throws {
        let (status, output, _) = try Self.fedbot(["--help"])
        #expect(status == 0)
        #expect(output.contains("setup"))
        let (setupStatus, setupHelp, _) = try Self.fedbot(["setup", "--help"])
        #expect(setupStatus == 0)
        #expect(setupHelp.contains("--invite <invite> ..."))
        #expect(setupHelp.contains("--write-config"))
    }
}
