import FedBotCore
import FedBotModels
import Foundation
import MatrixClient
import SynapseAdmin

/// Section 4: the parser and the renderers, in-process, no network.
enum PureBench {
    /// Valid and invalid commands as people type them, plus messages that are not commands.
    static let corpus: [String] = [
        "!fed list",
        "!fed list failing",
        "!fed list healthy matrix --limit 50",
        "!fed list all example --sort failure --desc --page 3",
        "!fed list --sort last-success --limit 1000",
        "!fed show example.org",
        "!fed show matrix.example.org:8448",
        "!fed show @alice:example.org",
        "!fed show https://matrix.to/#/#room:example.org",
        "!fed show [2001:db8::1]:8448",
        "!fed rooms example.org --limit 100 --page 2",
        "!fed rooms --page 2 example.org",
        "!fed reset 1.2.3.4:8448",
        "!fed status",
        "!fed help",
        "!fed help list",
        "!fed mute example.org 2h",
        "!fed unmute example.org",
        "!fed incidents",
        "!FED LIST FAILING",
        // invalid
        "!fed list --limit 5000",
        "!fed list --page 0",
        "!fed list --sort bogus",
        "!fed show",
        "!fed show not a server name",
        "!fed show exa mple.org",
        "!fed frobnicate example.org",
        "!fed rooms example.org --limit",
        "!fed mute example.org 2 hours",
        "!fed reset https://",
        // not commands
        "hello everyone",
        "!federation is down?",
    ]

    static func run(report: Report, quick: Bool) {
        log("== pure: parser and renderers")
        let runs = quick ? 3 : 7
        let parser = CommandParser(prefix: "!fed")
        var sink = 0
        // Parser: the whole corpus per iteration.
        let parseIterations = quick ? 2_000 : 10_000
        var parseRates: [Double] = []
        for _ in 0..<runs {
            let started = ContinuousClock.now
            for _ in 0..<parseIterations {
                for message in corpus {
                    switch parser.parse(message: message) {
                    case .success(let command): sink &+= command.name.rawValue.utf8.count
                    case .failure(let error): sink &+= error.description.utf8.count
                    case nil: sink &+= 1
                    }
                }
            }
            let elapsed = ContinuousClock.now - started
            parseRates.append(Double(parseIterations * corpus.count) / elapsed.seconds)
        }
        report.add(
            "parser: commands/s (mixed corpus of \(corpus.count))", Stats.median(parseRates), "cmd/s",
            note: "valid, invalid and non-commands")

        // ListReply with 1000 rows (a third failing); the reply is cut to fit 48 KiB, so it renders more than once.
        let now = Timestamp(milliseconds: 1_750_000_000_000)
        let rows = (0..<1000).map { index -> Destination in
            let name = "server-\(String(index + 100_000)).example.org"
            if index % 3 == 0 {
                return Destination(
                    destination: name, retryLastTs: now.milliseconds - 30_000, retryInterval: 600_000 << (index % 8),
                    failureTs: now.milliseconds - Int64(index + 1) * 60_000,
                    lastSuccessfulStreamOrdering: index % 4 == 3 ? nil : 1234)
            }
            return Destination(destination: name, lastSuccessfulStreamOrdering: 99_999)
        }
        let failing = rows.filter(\.isFailing)
        let plan = ListPlan(
            options: ListOptions(paging: Paging(limit: 1000)), failing: failing, total: 100_000, placement: .low)
        let result = ListReply(plan: plan, rows: rows)
        let context = RenderContext(prefix: "!fed", now: now)
        let listIterations = quick ? 20 : 100
        var listRates: [Double] = []
        var replyBytes = 0
        for _ in 0..<runs {
            let started = ContinuousClock.now
            for _ in 0..<listIterations {
                let reply = result.render(context)
                replyBytes = reply.size
                sink &+= reply.size
            }
            let elapsed = ContinuousClock.now - started
            listRates.append(Double(listIterations * rows.count) / elapsed.seconds)
        }
        report.add(
            "render ListReply (1000 rows in, reply \(replyBytes / 1024) KiB): rows/s", Stats.median(listRates),
            "rows/s")

        // ShowReply: a failing and a healthy destination, alternately.
        let shows = [
            ShowReply(destination: rows[0], sharedRooms: 12), ShowReply(destination: rows[1], sharedRooms: 0),
            ShowReply(destination: rows[3], sharedRooms: nil),
        ]
        let showIterations = quick ? 20_000 : 100_000
        var showRates: [Double] = []
        for _ in 0..<runs {
            let started = ContinuousClock.now
            for index in 0..<showIterations {
                sink &+= shows[index % shows.count].render(context).size
            }
            let elapsed = ContinuousClock.now - started
            showRates.append(Double(showIterations) / elapsed.seconds)
        }
        report.add("render ShowReply: replies/s", Stats.median(showRates), "replies/s")

        // A page of 1,260 destinations as Synapse prints it (a poll or `!fed list` at 100k with 1,000 failing).
        let page = pageJSON(rows: 1_260, failing: 1_000, now: now)
        let decodeIterations = quick ? 10 : 40
        for (name, decode) in [
            ("JSONDecoder", { (data: Data) in (try? JSONDecoder().decode(DestinationPage.self, from: data))?.total }),
            ("DestinationPage(scanning:)", { (data: Data) in DestinationPage(scanning: data)?.total }),
        ] as [(String, (Data) -> Int?)] {
            var times: [Double] = []
            for _ in 0..<runs {
                let started = ContinuousClock.now
                for _ in 0..<decodeIterations { sink &+= decode(page) ?? -1_000_000 }
                times.append((ContinuousClock.now - started).milliseconds / Double(decodeIterations))
            }
            report.add(
                "decode a page of 1,260 destinations (\(page.count / 1024) KiB), \(name)", Stats.median(times), "ms")
        }
        if sink == 42 { log("(sink \(sink))") }
    }

    /// A page of destinations in Synapse's compact JSON: `failing` rows first, then healthy ones.
    static func pageJSON(rows: Int, failing: Int, now: Timestamp) -> Data {
        var json = #"{"destinations":["#
        for index in 0..<rows {
            if index > 0 { json += "," }
            let name = "bench-\(index < failing ? "failing" : "healthy")-\(index).example.org"
            let last = index % 3 == 0 ? "null" : String(100_000 + index)
            if index < failing {
                json +=
                    #"{"destination":"\#(name)","retry_last_ts":\#(now.milliseconds - 30_000),"retry_interval":600000,"#
                    + #""failure_ts":\#(now.milliseconds - Int64(index) * 60_000),"last_successful_stream_ordering":\#(last)}"#
            } else {
                json +=
                    #"{"destination":"\#(name)","retry_last_ts":0,"retry_interval":0,"failure_ts":null,"#
                    + #""last_successful_stream_ordering":\#(last)}"#
            }
        }
        json += #"],"total":100001,"next_token":"\#(rows)"}"#
        return Data(json.utf8)
    }
}
