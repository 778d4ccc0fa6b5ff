public import FedBotModels

/// The diagnosis posted as the first reply in a failure notice's thread (`diagnostics.on_notices`): per
/// server the check's first line and whom to contact, at most `serverLimit` servers, and a warning when
/// every checked server fails at DNS or connect (then this homeserver's network is the likelier culprit).
public enum NoticeDiagnosis {
    /// Servers checked for one notice; the rest are named by count with the command to check them.
    public static let serverLimit = 5
    /// The thread reply's key suffix: the reply to notice `failure-3` is `failure-3-diagnosis`.
    public static let replySuffix = "-diagnosis"

    /// Failure and group notices get a diagnosis. Baseline and outage notices do not: a baseline announces
    /// what was already failing at start-up and an outage notice already says this side may be cut off;
    /// probe notices carry the check's verdict themselves.
    public static func applies(to kind: NoticeRecord.Kind) -> Bool {
        kind == .failure || kind == .group
    }

    /// The servers to check for a notice (in name order) and how many are left out.
    public static func servers(of record: NoticeRecord) -> (checked: [String], more: Int) {
        let names = record.servers.keys.sorted()
        return (Array(names.prefix(serverLimit)), max(0, names.count - serverLimit))
    }

    /// True when at least two servers were checked and every one failed at `dns` or `connect`.
    public static func pointsHere(_ reports: [CheckReport]) -> Bool {
        reports.count >= 2
            && reports.allSatisfy { $0.verdict == .red && ($0.check == .dns || $0.check == .connect) }
    }

    /// The thread reply: for each report its first line and contact; the servers left out; the hint.
    public static func reply(_ reports: [CheckReport], more: Int, prefix: String) -> Reply {
        var blocks: [Block] = []
        for report in reports {
            blocks.append(.line(CheckReply.headline(report)))
            blocks.append(.line(CheckReply.contact(report.support)))
        }
        if more > 0 {
            blocks.append(.line("… and \(CountText.format(more)) more: \(code: "\(prefix) check SERVER")"))
        }
        if pointsHere(reports) {
            blocks.append(
                .line(
                    "⚠️ every failing server fails at DNS or connect: this homeserver's network may be the problem"
                ))
        }
        let target = reports.count == 1 && more == 0 ? reports[0].server.truncated(to: 100) : "SERVER"
        blocks.append(.line("Checked from my host · details: \(code: "\(prefix) check \(target)")"))
        return Reply(blocks)
    }
}
