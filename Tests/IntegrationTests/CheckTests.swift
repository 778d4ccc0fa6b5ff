import FedBotCore
import FedBotLab
import FedBotModels
import FedBotRuntime
import Foundation
import Synchronization
import Testing

/// `!fed check` against the lab's small internet (docs/LAB.md): every case, from the admin room and from
/// `fedbot fed check --json`, reaches its verdict, names the deciding check and says what the case says.
@Suite(.serialized) struct CheckTests {
    static func diagnostics(_ internet: LabInternet) -> String {
        """
        diagnostics:
          resolver: "\(internet.dns)"
          ca_file: "\(internet.caFile)"
          timeout: 1s
          allow_ranges: [\(internet.allowRanges.map { "\"\($0)\"" }.joined(separator: ", "))]
        """
    }

    static func symbol(_ verdict: LabVerdict) -> String {
        switch verdict {
        case .green: "🟢"
        case .yellow: "🟡"
        case .red: "🔴"
        }
    }

    @Test("every small-internet case: verdict, deciding check and words, in the room and as JSON; a repeat is cached")
    func everyCase() async throws {
        try await Lab.with(LabOptions(internet: true)) { lab in
            let internet = try #require(lab.info.internet)
            #expect(internet.cases.count >= 25)
            let harness = try await BotHarness.make(lab: lab, configExtra: Self.diagnostics(internet))
            defer { harness.cleanUp() }
            let bot = try await harness.startInProcess()
            let room = harness.adminRoom
            for testCase in internet.cases {
                let event = try await harness.alice.say(room, "!fed check \(testCase.server)")
                let replies = try await harness.alice.waitForReplies(to: event, from: harness.botUser, in: room)
                try #require(replies.count == 1, "\(testCase.server)")
                let body = replies[0].content["body"]?.string ?? ""
                let first = String(body.split(separator: "\n").first ?? "")
                #expect(first.hasPrefix(Self.symbol(testCase.verdict) + " "), "\(testCase.server): \(first)")
                #expect(first.lowercased().contains(testCase.says), "\(testCase.server): \(first)")
                #expect(first.contains(testCase.server), "\(testCase.server): \(first)")
                // Synapse's side, read from the admin API beside the check: B is a destination A sends to
                // without failure; the small internet's names were never sent to.
                let synapse =
                    testCase.server == lab.info.b.serverName
                    ? "Synapse: no failure recorded" : "Synapse: no destination of that name"
                #expect(body.contains(synapse), "\(testCase.server): \(body)")

                let (report, status) = try await Self.json(testCase.server, harness: harness)
                #expect(report.verdict.rawValue == testCase.verdict.rawValue, "\(testCase.server): \(report.says)")
                #expect(report.check?.rawValue == testCase.check, "\(testCase.server): \(report.says)")
                #expect(report.says.lowercased().contains(testCase.says), "\(testCase.server): \(report.says)")
                #expect(status == (testCase.verdict == .red ? .apiError : .success), "\(testCase.server)")
            }
            // The last green case, checked seconds ago, asked again twice: answered from the cache.
            let good = try #require(internet.cases.last { $0.verdict == .green })
            var bodies: [String] = []
            for _ in 0..<2 {
                let again = try await harness.alice.say(room, "!fed check \(good.server)")
                let replies = try await harness.alice.waitForReplies(to: again, from: harness.botUser, in: room)
                bodies.append(replies.first?.content["body"]?.string ?? "")
            }
            #expect(bodies.allSatisfy { $0.hasPrefix("🟢 \(good.server) answers federation") }, "\(bodies)")
            #expect(bodies.allSatisfy { $0.contains("From the cache: checked") }, "\(bodies)")
            await bot.stop()
        }
    }

    /// `fedbot fed check SERVER --json`, in process: the report and the exit status.
    static func json(_ server: String, harness: BotHarness) async throws -> (CheckReport, OneShot.ExitStatus) {
        let output = Output()
        let status = await OneShot.fed(
            words: ["check", server, "--json"], explicitConfig: harness.configPath, environment: [:],
            currentDirectory: harness.directory, logger: quietLogger("cli"), print: { output.append($0) },
            printError: { _ in })
        let report = try JSONDecoder().decode(CheckReport.self, from: Data(output.text.utf8))
        return (report, status)
    }
}

/// What a one-shot command printed.
final class Output: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}
