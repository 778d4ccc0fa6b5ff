import FedBotCore
import FedBotModels
import Testing

/// What the golden reply tests share: a fixed clock and a few destinations. The suites are nested in
/// this namespace, so they see these without qualification.
enum ReplyRendering {
    /// 2026-11-24 11:25:00 UTC.
    static let now = Timestamp(milliseconds: 1_795_519_500_000)
    static let context = RenderContext(prefix: "!fed", now: now)
    static let second: Int64 = 1000
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000

    static func ago(_ milliseconds: Int64) -> Int64 { now.milliseconds - milliseconds }

    static func server(_ text: String) -> ServerName {
        guard let name = ServerName(text) else { fatalError("test data: \(text) is not a server name") }
        return name
    }

    /// Failing since 09:12 UTC (2h 13m ago); last attempt 6m ago with a 10m backoff: next retry in 4m.
    static let dead = Destination(
        destination: "dead.example", retryLastTs: ago(6 * minute), retryInterval: 10 * minute,
        failureTs: ago(133 * minute), lastSuccessfulStreamOrdering: 1234)
    /// Failing since yesterday 09:25 UTC (1d 2h ago); the 1h backoff ended 10m ago.
    static let slow = Destination(
        destination: "slow.example", retryLastTs: ago(70 * minute), retryInterval: hour, failureTs: ago(26 * hour))
    static func healthy(_ name: String, lastSuccess: Int64? = 10) -> Destination {
        Destination(destination: name, lastSuccessfulStreamOrdering: lastSuccess)
    }

    /// Every tag in `html` is one Matrix clients render and this bot uses.
    static func tags(_ html: String) -> Set<String> {
        var names = Set<String>()
        var rest = Substring(html)
        while let open = rest.firstIndex(of: "<") {
            rest = rest[rest.index(after: open)...]
            if rest.first == "/" { rest = rest.dropFirst() }
            names.insert(String(rest.prefix { $0.isLetter }))
        }
        return names
    }

    static let allowedTags: Set<String> = ["p", "ul", "li", "b", "code", "pre", "a"]

    static func expectWellFormed(_ reply: Reply, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(tags(reply.html).isSubset(of: allowedTags), "\(tags(reply.html))", sourceLocation: sourceLocation)
        #expect(reply.size <= Reply.sizeBudget, sourceLocation: sourceLocation)
        #expect(!reply.plain.contains("<code>") && !reply.plain.contains("`"), sourceLocation: sourceLocation)
    }
}
