import FedBotRuntime
import Foundation
import Testing

@Suite struct ConfigCredentialTests {
    @Test("a token file shared through systemd credentials (group-readable via ACL) is not flagged")
    func credentialsDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cred-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let token = directory + "/access_token"
        try Data("syt_abc\n".utf8).write(to: URL(fileURLWithPath: token))
        chmod(token, 0o440)
        let yaml = "homeserver:\n  url: \"https://hs.example\"\n  access_token_file: \"\(token)\"\n"
        let flagged = try ConfigLoader.parse(
            yaml: yaml, sourcePath: directory + "/fedbot.yaml", pathSource: .option, environment: [:])
        #expect(flagged.warnings.contains { $0.contains("can be read by other users") })
        let credential = try ConfigLoader.parse(
            yaml: yaml, sourcePath: directory + "/fedbot.yaml", pathSource: .option,
            environment: ["CREDENTIALS_DIRECTORY": directory])
        #expect(!credential.warnings.contains { $0.contains("can be read by other users") })
        #expect(credential.config.homeserver.accessToken.reveal() == "syt_abc")
    }
}
