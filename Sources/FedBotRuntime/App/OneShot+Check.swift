import FedBotCore
import FedBotModels
import Foundation

extension OneShot {
    /// `check SERVER --json`: the report as JSON (exit 0 when federation works, 1 when it fails); nil when
    /// the words are something else (they run as a normal command, usage errors included).
    static func checkJSON(_ words: [String], executor: CommandExecutor) async -> (text: String, status: ExitStatus)? {
        guard words.first?.lowercased() == "check", words.contains("--json") else { return nil }
        let rest = words.filter { $0 != "--json" }
        guard case .success(.check(let server)) = Result(catching: { try executor.parser.parse(words: rest) }) else {
            return nil
        }
        let report = await executor.diagnosis.report(server)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let text = (try? String(decoding: encoder.encode(report), as: UTF8.self)) ?? "{}"
        return (text, report.works ? .success : .apiError)
    }
}
