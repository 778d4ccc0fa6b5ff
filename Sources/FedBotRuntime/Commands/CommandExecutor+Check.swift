import FedBotCore
import FedBotModels
import Logging

/// `check SERVER`: the diagnosis from this host; a red verdict is a failed command (exit 1 from the shell).
extension CommandExecutor {
    func check(_ server: ServerName) async -> Execution {
        let report = await diagnosis.report(server)
        logger.info(
            "Checked a server",
            metadata: ["server": "\(server)", "verdict": "\(report.verdict.rawValue)", "cached": "\(report.cached)"])
        return Execution(reply: CheckReply(report: report).render(context), outcome: report.works ? .ok : .apiError)
    }
}
