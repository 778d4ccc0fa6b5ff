import FedBotCore
import FedBotModels
import MatrixClient
import SynapseAdmin
import Testing

/// 2026-11-24 11:25:00 UTC.
private let now = Timestamp(milliseconds: 1_795_519_500_000)
private let context = RenderContext(prefix: "!fed", now: now)
private let second: Int64 = 1000
private let minute: Int64 = 60_000
private let hour: Int64 = 3_600_000

private func ago(_ milliseconds: Int64) -> Int64 { now.milliseconds - milliseconds }

private func server(_ text: String) -> ServerName {
    guard let name = ServerName(text) else { fatalError("test data: \(text) is not a server name") }
    return name
}

/// Failing since 09:12 UTC (2h 13m ago); last attempt 6m ago with a 10m backoff: next retry in 4m.
private let dead = Destination(
    destination: "dead.example", retryLastTs: ago(6 * minute), retryInterval: 10 * minute, failureTs: ago(133 * minute),
    lastSuccessfulStreamOrdering: 1234)
/// Failing since yesterday 09:25 UTC (1d 2h ago); the 1h backoff ended 10m ago.
private let slow = Destination(
    destination: "slow.example", retryLastTs: ago(70 * minute), retryInterval: hour, failureTs: ago(26 * hour))
private func healthy(_ name: String, lastSuccess: Int64? = 10) -> Destination {
    Destination(destination: name, lastSuccessfulStreamOrdering: lastSuccess)
}

/// Every tag in `html` is one Matrix clients render and this bot uses.
private func tags(_ html: String) -> Set<String> {
    var names = Set<String>()
    var rest = Substring(html)
    while let open = rest.firstIndex(of: "<") {
        rest = rest[rest.index(after: open)...]
        if rest.first == "/" { rest = rest.dropFirst() }
        names.insert(String(rest.prefix { $0.isLetter }))
    }
    return names
}

private let allowedTags: Set<String> = ["p", "ul", "li", "b", "code", "pre", "a"]

private func expectWellFormed(_ reply: Reply, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(tags(reply.html).isSubset(of: allowedTags), "\(tags(reply.html))", sourceLocation: sourceLocation)
    #expect(reply.size <= Reply.sizeBudget, sourceLocation: sourceLocation)
    #expect(!reply.plain.contains("<code>") && !reply.plain.contains("`"), sourceLocation: sourceLocation)
}

@Suite struct ReplyRenderingTests {
    // MARK: list

    @Test func listPageWithFailingAndHealthyRowsAndAMoreHint() {
        let plan = ListPlan(
            options: ListOptions(paging: Paging(limit: 5)), failing: [slow, dead], total: 142, placement: .low)
        let rows = [slow, dead, healthy("a.example"), healthy("b.example"), healthy("matrix.org")]
        let reply = ListResult(plan: plan, rows: rows).render(context)
        #expect(
            reply.plain == """
                Federation: 2 failing, 140 healthy (142 destinations)
                • 🟡 slow.example — failing for 1d 2h, retry due on next send
                • 🔴 dead.example — failing for 2h 13m, next retry in 4m
                • 🟢 a.example
                • 🟢 b.example
                • 🟢 matrix.org
                … 137 more: !fed list --limit 5 --page 2
                """)
        #expect(
            reply.html
                == "<p>Federation: <b>2</b> failing, 140 healthy (142 destinations)</p><ul>"
                + "<li>🟡 <code>slow.example</code> — failing for 1d 2h, retry due on next send</li>"
                + "<li>🔴 <code>dead.example</code> — failing for 2h 13m, next retry in 4m</li>"
                + "<li>🟢 <code>a.example</code></li><li>🟢 <code>b.example</code></li><li>🟢 <code>matrix.org</code></li>"
                + "</ul><p>… 137 more: <code>!fed list --limit 5 --page 2</code></p>")
        expectWellFormed(reply)
    }

    @Test func defaultPageHintMatchesTheDesign() {
        let plan = ListPlan(options: ListOptions(), failing: [], total: 160, placement: nil)
        let rows = (0..<20).map { healthy("s\($0).example") }
        let reply = ListResult(plan: plan, rows: rows).render(context)
        #expect(reply.plain.hasPrefix("Federation: 0 failing, 160 healthy (160 destinations)\n• 🟢 s0.example\n"))
        #expect(reply.plain.hasSuffix("\n• 🟢 s19.example\n… 140 more: !fed list --page 2"))
        #expect(reply.html.hasSuffix("</ul><p>… 140 more: <code>!fed list --page 2</code></p>"))
    }

    @Test func hintRepeatsFilterTextAndSort() {
        let options = ListOptions(
            filter: .healthy, text: "org", sort: .lastSuccess, descending: true, paging: Paging(page: 2))
        let plan = ListPlan(options: options, failing: [dead], total: 61, placement: .high)
        let rows = (0..<20).map { healthy("h\($0).org") }
        let reply = ListResult(plan: plan, rows: rows).render(context)
        #expect(reply.plain.hasPrefix("Federation: 1 failing, 60 healthy (61 destinations matching \"org\")\n"))
        #expect(reply.plain.hasSuffix("\n… 20 more: !fed list healthy org --sort last-success --desc --page 3"))
        #expect(
            reply.html.hasPrefix(
                "<p>Federation: <b>1</b> failing, 60 healthy (61 destinations matching &quot;org&quot;)</p>"))
    }

    @Test func lastPageHasNoHint() {
        let plan = ListPlan(
            options: ListOptions(paging: Paging(limit: 2, page: 2)), failing: [], total: 3, placement: nil)
        let reply = ListResult(plan: plan, rows: [healthy("c.example")]).render(context)
        #expect(reply.plain == "Federation: 0 failing, 3 healthy (3 destinations)\n• 🟢 c.example")
        #expect(
            reply.html
                == "<p>Federation: <b>0</b> failing, 3 healthy (3 destinations)</p><ul><li>🟢 <code>c.example</code></li></ul>"
        )
    }

    @Test func emptyPageSaysHowManyPagesThereAre() {
        let plan = ListPlan(
            options: ListOptions(paging: Paging(page: 9)), failing: [slow, dead], total: 142, placement: .low)
        let reply = ListResult(plan: plan, rows: []).render(context)
        #expect(
            reply.plain == "Federation: 2 failing, 140 healthy (142 destinations)\nPage 9 is empty: there are 8 pages.")
        #expect(
            reply.html
                == "<p>Federation: <b>2</b> failing, 140 healthy (142 destinations)</p><p>Page 9 is empty: there are 8 pages.</p>"
        )
        let one = ListPlan(options: ListOptions(paging: Paging(page: 2)), failing: [], total: 3, placement: nil)
        #expect(ListResult(plan: one, rows: []).render(context).plain.hasSuffix("\nPage 2 is empty: there is 1 page."))
    }

    @Test func nothingFailing() {
        let plan = ListPlan(options: ListOptions(filter: .failing), failing: [], total: 140, placement: nil)
        let reply = ListResult(plan: plan, rows: []).render(context)
        #expect(reply.plain == "Federation: 0 failing, 140 healthy (140 destinations)\nNothing is failing. 🎉")
        #expect(
            reply.html
                == "<p>Federation: <b>0</b> failing, 140 healthy (140 destinations)</p><p>Nothing is failing. 🎉</p>")
        let matching = ListPlan(
            options: ListOptions(filter: .failing, text: "matrix"), failing: [], total: 3, placement: nil)
        #expect(
            ListResult(plan: matching, rows: []).render(context).plain
                == "Federation: 0 failing, 3 healthy (3 destinations matching \"matrix\")\nNothing matching is failing."
        )
        let none = ListPlan(options: ListOptions(), failing: [], total: 0, placement: nil)
        #expect(
            ListResult(plan: none, rows: []).render(context).plain
                == "Federation: 0 failing, 0 healthy (0 destinations)\nThis homeserver has no federation destinations yet."
        )
        let oneDestination = ListPlan(options: ListOptions(text: "zz"), failing: [], total: 1, placement: nil)
        #expect(
            ListResult(plan: oneDestination, rows: [healthy("zz.example")]).render(context).plain
                == "Federation: 0 failing, 1 healthy (1 destination matching \"zz\")\n• 🟢 zz.example")
    }

    @Test func destinationNamesAreEscapedInHTMLOnly() {
        // Synapse does not validate destination names.
        let odd = Destination(
            destination: "<b>&\"'", retryLastTs: ago(minute), retryInterval: 10 * minute, failureTs: ago(minute))
        let plan = ListPlan(options: ListOptions(), failing: [odd], total: 1, placement: nil)
        let reply = ListResult(plan: plan, rows: [odd]).render(context)
        #expect(reply.plain.contains("• 🔴 <b>&\"' — failing for 1m, next retry in 9m"))
        #expect(
            reply.html.contains("<li>🔴 <code>&lt;b&gt;&amp;&quot;&#39;</code> — failing for 1m, next retry in 9m</li>"))
        #expect(!reply.html.contains("<b>&"))
        expectWellFormed(reply)
        let show = ShowResult(destination: odd, sharedRooms: nil).render(context)
        #expect(show.plain.hasPrefix("🔴 <b>&\"' is failing\n"))
        #expect(show.html.hasPrefix("<p>🔴 <b>&lt;b&gt;&amp;&quot;&#39;</b> is failing</p>"))
        expectWellFormed(show)
    }

    // MARK: Size budget

    @Test(arguments: [1, 2, 3])
    func thousandLongNamesStayUnderTheBudgetAndSayHowToSeeTheRest(page: Int) throws {
        let name = String(repeating: "a", count: 251) + ".org"
        let failing = (0..<5).map { index in
            Destination(
                destination: "f\(index)" + name.dropFirst(2), retryLastTs: ago(minute), retryInterval: hour,
                failureTs: ago(hour))
        }
        let options = ListOptions(paging: Paging(limit: 1000, page: page))
        let plan = ListPlan(options: options, failing: failing, total: 5000, placement: .low)
        let rows =
            (page == 1 ? failing : []) + (0..<(page == 1 ? 995 : 1000)).map { healthy("\($0)" + name.dropFirst(4)) }
        let reply = ListResult(plan: plan, rows: rows).render(context)
        #expect(reply.size <= Reply.sizeBudget)
        expectWellFormed(reply)
        // The last line is a command that continues right after the last row shown.
        let lines = reply.plain.split(separator: "\n")
        let shown = lines.filter { $0.hasPrefix("• ") }.count
        #expect(shown >= 50)
        #expect(shown < 1000)
        let hint = try #require(lines.last)
        let command = try #require(hint.firstRange(of: "!fed list")).lowerBound
        let words = hint[command...].prefix { $0 != "(" }.split(separator: " ").dropFirst().map(String.init)
        guard case .list(let next) = try CommandParser().parse(words: words) else {
            Issue.record("not a list command: \(hint)")
            return
        }
        #expect(next.paging.offset == options.paging.offset + shown, "\(hint)")
        #expect(next.paging.limit <= shown)
        #expect(hint.hasPrefix("… \(CountText.format(5000 - options.paging.offset - shown)) more: !fed list --limit "))
        #expect(hint.hasSuffix("fit in one message)"))
    }

    @Test func everyNameLengthStaysUnderTheBudget() {
        for length in stride(from: 105, through: 255, by: 25) {
            for count in [60, 300, 1000] {
                let rows = (0..<count).map { healthy("\($0 + 1000)" + String(repeating: "x", count: length - 4)) }
                let plan = ListPlan(
                    options: ListOptions(text: "x", paging: Paging(limit: count)), failing: [], total: 2000,
                    placement: nil)
                let reply = ListResult(plan: plan, rows: rows).render(context)
                #expect(reply.size <= Reply.sizeBudget, "\(length) × \(count): \(reply.size)")
                let shown = reply.plain.split(separator: "\n").filter { $0.hasPrefix("• ") }.count
                let hint =
                    shown < count
                    ? "… \(CountText.format(2000 - shown)) more: !fed list x --limit \(shown) --page 2 (only \(shown) fit in one message)"
                    : "… \(CountText.format(2000 - count)) more: !fed list x --limit \(count) --page 2"
                #expect(reply.plain.hasSuffix("\n" + hint), "\(length) × \(count)")
            }
        }
    }

    @Test func thousandLongRoomNamesStayUnderTheBudget() throws {
        let long = String(repeating: "<&>", count: 85)
        let rooms = (0..<1000).map { (index: Int) -> RoomsResult.Room in
            RoomsResult.Room(
                roomID: "!\(index)" + String(repeating: "r", count: 40) + ":example.org", name: long,
                alias: "#" + String(repeating: "a", count: 240) + ":example.org", members: index)
        }
        let result = RoomsResult(
            server: server("example.org"), total: 2500, rooms: rooms, paging: Paging(limit: 1000, page: 2))
        let reply = result.render(context)
        expectWellFormed(reply)
        let lines = reply.plain.split(separator: "\n")
        let shown = lines.filter { $0.hasPrefix("• ") }.count
        #expect(shown > 10 && shown < 1000)
        let hint = try #require(lines.last)
        let words = hint.drop { $0 != "!" }.prefix { $0 != "(" }.split(separator: " ").dropFirst().map(String.init)
        guard case .rooms(_, let next) = try CommandParser().parse(words: words) else {
            Issue.record("not a rooms command: \(hint)")
            return
        }
        #expect(next.offset == 1000 + shown, "\(hint)")
        #expect(hint.hasPrefix("… \(CountText.format(1500 - shown)) more: !fed rooms example.org --limit "))
    }

    @Test func oneHugeRoomNameIsCut() {
        let room = RoomsResult.Room(roomID: "!a:example.org", name: String(repeating: "n", count: 70_000), members: 2)
        let reply = RoomsResult(server: server("example.org"), total: 1, rooms: [room], paging: Paging()).render(
            context)
        expectWellFormed(reply)
        #expect(
            reply.plain
                == "Rooms shared with example.org: 1\n• \(String(repeating: "n", count: 99))… !a:example.org — 2 members"
        )
    }

    // MARK: show

    @Test func showFailing() {
        let reply = ShowResult(destination: dead, sharedRooms: 3).render(context)
        #expect(
            reply.plain == """
                🔴 dead.example is failing
                • Failing since: 2026-11-24 09:12 UTC (2h 13m ago)
                • Retry interval: 10m, next retry 11:29 UTC (in 4m)
                • Last successful delivery: stream position 1234
                • Shared rooms: 3 (!fed rooms dead.example)
                To retry now: !fed reset dead.example
                """)
        #expect(
            reply.html
                == "<p>🔴 <b>dead.example</b> is failing</p><ul>"
                + "<li>Failing since: 2026-11-24 09:12 UTC (2h 13m ago)</li>"
                + "<li>Retry interval: 10m, next retry 11:29 UTC (in 4m)</li>"
                + "<li>Last successful delivery: stream position 1234</li>"
                + "<li>Shared rooms: 3 (<code>!fed rooms dead.example</code>)</li>"
                + "</ul><p>To retry now: <code>!fed reset dead.example</code></p>")
        expectWellFormed(reply)
    }

    @Test func showRecovering() {
        let reply = ShowResult(destination: slow, sharedRooms: nil).render(context)
        #expect(
            reply.plain == """
                🟡 slow.example is failing, retry due
                • Failing since: 2026-11-23 09:25 UTC (1d 2h ago)
                • Retry interval: 1h, backoff over: the next message to it (or Synapse's catch-up within a minute) retries
                • Last successful delivery: never
                To retry now: !fed reset slow.example
                """)
        #expect(
            reply.html
                == "<p>🟡 <b>slow.example</b> is failing, retry due</p><ul>"
                + "<li>Failing since: 2026-11-23 09:25 UTC (1d 2h ago)</li>"
                + "<li>Retry interval: 1h, backoff over: the next message to it (or Synapse&#39;s catch-up within a minute) retries</li>"
                + "<li>Last successful delivery: never</li>"
                + "</ul><p>To retry now: <code>!fed reset slow.example</code></p>")
    }

    @Test func showHealthy() {
        let reply = ShowResult(destination: healthy("matrix.org", lastSuccess: 98765), sharedRooms: 1200).render(
            context)
        #expect(
            reply.plain == """
                🟢 matrix.org is healthy
                • No failure recorded.
                • Last successful delivery: stream position 98765
                • Shared rooms: 1,200 (!fed rooms matrix.org)
                """)
        #expect(
            reply.html
                == "<p>🟢 <b>matrix.org</b> is healthy</p><ul><li>No failure recorded.</li>"
                + "<li>Last successful delivery: stream position 98765</li>"
                + "<li>Shared rooms: 1,200 (<code>!fed rooms matrix.org</code>)</li></ul>")
    }

    @Test func showNeverDelivered() {
        let reply = ShowResult(destination: healthy("new.example", lastSuccess: nil), sharedRooms: 0).render(context)
        #expect(
            reply.plain == """
                🟢 new.example is healthy
                • No failure recorded.
                • Last successful delivery: never
                • Shared rooms: 0
                """)
        #expect(
            reply.html
                == "<p>🟢 <b>new.example</b> is healthy</p><ul><li>No failure recorded.</li>"
                + "<li>Last successful delivery: never</li><li>Shared rooms: 0</li></ul>")
    }

    // MARK: rooms

    @Test func roomsWithDetailsUnknownDetailsAndAPagingHint() {
        let rooms = [
            RoomsResult.Room(roomID: "!ops:example.org", name: "Ops", alias: "#ops:example.org", members: 12),
            RoomsResult.Room(roomID: "!a:other.org", alias: "#lobby:other.org", members: 1),
            RoomsResult.Room(roomID: "!unknown:example.org"),
            RoomsResult.Room(roomID: "!xss:example.org", name: "<script>alert(1)</script>", members: 0),
        ]
        let result = RoomsResult(server: server("example.org"), total: 45, rooms: rooms, paging: Paging(limit: 4))
        let reply = result.render(context)
        #expect(
            reply.plain == """
                Rooms shared with example.org: 45
                • Ops (#ops:example.org) !ops:example.org — 12 members
                • #lobby:other.org !a:other.org — 1 member
                • !unknown:example.org
                • <script>alert(1)</script> !xss:example.org — 0 members
                … 41 more: !fed rooms example.org --limit 4 --page 2
                """)
        #expect(
            reply.html
                == "<p>Rooms shared with <b>example.org</b>: <b>45</b></p><ul>"
                + "<li><b>Ops</b> (#ops:example.org) <code>!ops:example.org</code> — 12 members</li>"
                + "<li><b>#lobby:other.org</b> <code>!a:other.org</code> — 1 member</li>"
                + "<li><code>!unknown:example.org</code></li>"
                + "<li><b>&lt;script&gt;alert(1)&lt;/script&gt;</b> <code>!xss:example.org</code> — 0 members</li>"
                + "</ul><p>… 41 more: <code>!fed rooms example.org --limit 4 --page 2</code></p>")
        expectWellFormed(reply)
    }

    @Test func roomNamesCannotAddLinesOrReorderText() {
        let rooms = [
            RoomsResult.Room(roomID: "!a:example.org", name: "Ops\n• 🔴 fake.example — failing", members: 3),
            RoomsResult.Room(roomID: "!b:example.org", name: "abc\u{202E}fed", alias: "#x\u{0}y:example.org"),
        ]
        let reply = RoomsResult(server: server("example.org"), total: 2, rooms: rooms, paging: Paging()).render(context)
        #expect(
            reply.plain == """
                Rooms shared with example.org: 2
                • Ops • 🔴 fake.example — failing !a:example.org — 3 members
                • abc fed (#x y:example.org) !b:example.org
                """)
    }

    @Test func roomsEmpty() {
        let none = RoomsResult(server: server("example.org"), total: 0, rooms: [], paging: Paging()).render(context)
        #expect(none.plain == "Rooms shared with example.org: 0\nThis homeserver shares no rooms with example.org.")
        #expect(
            none.html
                == "<p>Rooms shared with <b>example.org</b>: <b>0</b></p><p>This homeserver shares no rooms with example.org.</p>"
        )
        let past = RoomsResult(server: server("example.org"), total: 45, rooms: [], paging: Paging(page: 5)).render(
            context)
        #expect(past.plain == "Rooms shared with example.org: 45\nPage 5 is empty: there are 3 pages.")
    }

    // MARK: reset

    @Test func resetDone() {
        let reply = ResetResult(server: server("dead.example"), outcome: .reset, before: dead).render(context)
        #expect(
            reply.plain
                == "🔄 Reset dead.example: Synapse retries it now (it was failing for 2h 13m). I will check again in a few seconds."
        )
        #expect(
            reply.html
                == "<p>🔄 Reset <b>dead.example</b>: Synapse retries it now (it was failing for 2h 13m). I will check again in a few seconds.</p>"
        )
        let unknownBefore = ResetResult(server: server("dead.example"), outcome: .reset, before: nil).render(context)
        #expect(
            unknownBefore.plain == "🔄 Reset dead.example: Synapse retries it now. I will check again in a few seconds.")
    }

    @Test func resetNotInBackoff() {
        let reply = ResetResult(server: server("matrix.org"), outcome: .notInBackoff, before: healthy("matrix.org"))
            .render(context)
        #expect(
            reply.plain
                == "ℹ️ matrix.org is not in backoff: nothing to reset. Synapse retries it whenever it has something to send."
        )
        #expect(
            reply.html
                == "<p>ℹ️ <b>matrix.org</b> is not in backoff: nothing to reset. Synapse retries it whenever it has something to send.</p>"
        )
    }

    @Test func resetFollowUpHealthy() {
        let reply = ResetFollowUp(
            server: server("dead.example"), after: healthy("dead.example"),
            previousFailure: Timestamp(milliseconds: ago(133 * minute))
        ).render(context)
        #expect(reply.plain == "✅ dead.example: no failure since the reset, federation with it looks healthy again.")
        #expect(
            reply.html
                == "<p>✅ <b>dead.example</b>: no failure since the reset, federation with it looks healthy again.</p>")
    }

    @Test func resetFollowUpFailedAgain() {
        let after = Destination(
            destination: "dead.example", retryLastTs: ago(9 * second), retryInterval: 10 * minute,
            failureTs: ago(9 * second),
            lastSuccessfulStreamOrdering: 1234)
        let reply = ResetFollowUp(
            server: server("dead.example"), after: after, previousFailure: Timestamp(milliseconds: ago(133 * minute))
        )
        .render(context)
        #expect(
            reply.plain == """
                🔴 dead.example failed again at 11:24 UTC: it is still unreachable from here.
                Failing for 9s, next retry in 9m 51s. !fed show dead.example has the details.
                """)
        #expect(
            reply.html
                == "<p>🔴 <b>dead.example</b> failed again at 11:24 UTC: it is still unreachable from here.</p>"
                + "<p>Failing for 9s, next retry in 9m 51s. <code>!fed show dead.example</code> has the details.</p>")
    }

    @Test func resetUndoneByARequestInFlight() {
        // The old failure_ts came back: a request to a hung server timed out after the reset.
        let after = Destination(
            destination: "dead.example", retryLastTs: ago(2 * second), retryInterval: 20 * minute,
            failureTs: ago(133 * minute))
        let reply = ResetFollowUp(
            server: server("dead.example"), after: after, previousFailure: Timestamp(milliseconds: ago(133 * minute))
        )
        .render(context)
        #expect(
            reply.plain == """
                🔴 dead.example is still failing: a request to it that was in flight timed out after the reset and restored the failure from 09:12 UTC.
                Failing for 2h 13m, next retry in 19m 58s. !fed show dead.example has the details.
                """)
        #expect(
            reply.html
                == "<p>🔴 <b>dead.example</b> is still failing: a request to it that was in flight timed out after the reset and restored the failure from 09:12 UTC.</p>"
                + "<p>Failing for 2h 13m, next retry in 19m 58s. <code>!fed show dead.example</code> has the details.</p>"
        )
    }

    // MARK: status

    @Test func statusHealthy() {
        let status = StatusResult(
            homeserver: .ok("reachable, Synapse 1.163.2"), adminAPI: .ok("server admin"), federation: (2, 1234),
            watcherEnabled: true, lastPoll: Timestamp(milliseconds: ago(30 * second)), openIncidents: 2, mutedServers: 1
        )
        let reply = status.render(context)
        #expect(
            reply.plain == """
                ✅ fedbot is working: 2 of 1,234 destinations failing
                • Homeserver: ✅ reachable, Synapse 1.163.2
                • Admin API: ✅ server admin
                • Watcher: last poll 11:24 UTC (30s ago)
                • Open incidents: 2 (1 muted)
                """)
        #expect(
            reply.html
                == "<p>✅ fedbot is working: <b>2</b> of 1,234 destinations failing</p><ul>"
                + "<li>Homeserver: ✅ reachable, Synapse 1.163.2</li><li>Admin API: ✅ server admin</li>"
                + "<li>Watcher: last poll 11:24 UTC (30s ago)</li><li>Open incidents: 2 (1 muted)</li></ul>")
        #expect(status.isHealthy)
    }

    @Test func statusWithAProblem() {
        let status = StatusResult(
            homeserver: .ok("reachable"),
            adminAPI: .failed("not a server admin: make @fedbot:example.org an admin or set admin_api.access_token"),
            federation: nil, watcherEnabled: false, lastPoll: nil, openIncidents: nil, mutedServers: nil)
        let reply = status.render(context)
        #expect(
            reply.plain == """
                ⚠️ fedbot has a problem
                • Homeserver: ✅ reachable
                • Admin API: ❌ not a server admin: make @fedbot:example.org an admin or set admin_api.access_token
                • Watcher: off (no notices.rooms configured)
                """)
        #expect(
            reply.html
                == "<p>⚠️ fedbot has a problem</p><ul><li>Homeserver: ✅ reachable</li>"
                + "<li>Admin API: ❌ not a server admin: make @fedbot:example.org an admin or set admin_api.access_token</li>"
                + "<li>Watcher: off (no notices.rooms configured)</li></ul>")
        #expect(!status.isHealthy)
        let waiting = StatusResult(
            homeserver: .failed("cannot connect"), adminAPI: .ok("server admin"), federation: (0, 1),
            watcherEnabled: true,
            lastPoll: nil, openIncidents: 0, mutedServers: 0)
        #expect(
            waiting.render(context).plain == """
                ⚠️ fedbot has a problem: 0 of 1 destination failing
                • Homeserver: ❌ cannot connect
                • Admin API: ✅ server admin
                • Watcher: no poll yet
                • Open incidents: 0
                """)
    }

    // MARK: help, usage, errors

    @Test func helpOverview() {
        let reply = HelpReply(topic: nil).render(context)
        #expect(
            reply.plain == """
                fedbot watches this homeserver's federation. Commands:
                • !fed list — destinations, failing first
                • !fed show — one destination in detail
                • !fed rooms — rooms shared with a server
                • !fed reset — retry a failing server now
                • !fed status — bot and homeserver health
                • !fed mute — no failure notices for a server (default 24h)
                • !fed unmute — notices for a server again
                • !fed incidents — open incidents, oldest first
                Details: !fed help COMMAND. SERVER can be example.org, a user ID or a matrix.to link.
                """)
        #expect(
            reply.html
                == "<p><b>fedbot</b> watches this homeserver&#39;s federation. Commands:</p><ul>"
                + "<li><code>!fed list</code> — destinations, failing first</li>"
                + "<li><code>!fed show</code> — one destination in detail</li>"
                + "<li><code>!fed rooms</code> — rooms shared with a server</li>"
                + "<li><code>!fed reset</code> — retry a failing server now</li>"
                + "<li><code>!fed status</code> — bot and homeserver health</li>"
                + "<li><code>!fed mute</code> — no failure notices for a server (default 24h)</li>"
                + "<li><code>!fed unmute</code> — notices for a server again</li>"
                + "<li><code>!fed incidents</code> — open incidents, oldest first</li>"
                + "</ul><p>Details: <code>!fed help COMMAND</code>. SERVER can be example.org, a user ID or a matrix.to link.</p>"
        )
        // Without the watcher: only the commands that work.
        let short = HelpReply(topic: nil, commands: [.help, .list, .show, .rooms, .reset, .status]).render(context)
        #expect(!short.plain.contains("mute") && !short.plain.contains("incidents"))
        #expect(short.plain.split(separator: "\n").count == 7)
    }

    @Test func helpForOneCommand() {
        let reply = HelpReply(topic: .list).render(context)
        #expect(
            reply.plain == """
                !fed list [failing|healthy|all] [TEXT] [--sort name|failure|retry|last-success] [--desc] [--limit N] [--page N]
                Destinations, failing first.
                Counts first, then at most 20 destinations: failing ones first (oldest failure first), then the others by name.
                TEXT keeps names containing it (case-insensitive).
                --sort orders by name, failure time, retry interval or last successful delivery; --desc reverses.
                --limit takes 1 to 1000, --page counts from 1.
                """)
        #expect(
            reply.html
                == "<p><code>!fed list [failing|healthy|all] [TEXT] [--sort name|failure|retry|last-success] [--desc] [--limit N] [--page N]</code></p>"
                + "<p>Destinations, failing first.</p>"
                + "<p>Counts first, then at most 20 destinations: failing ones first (oldest failure first), then the others by name.</p>"
                + "<p>TEXT keeps names containing it (case-insensitive).</p>"
                + "<p>--sort orders by name, failure time, retry interval or last successful delivery; --desc reverses.</p>"
                + "<p>--limit takes 1 to 1000, --page counts from 1.</p>")
        let reset = HelpReply(topic: .reset).render(RenderContext(prefix: "!federation", now: now))
        #expect(
            reset.plain == """
                !federation reset SERVER
                Retry a failing server now.
                Clears Synapse's retry backoff for SERVER so that it is tried again at once.
                Only a failing server can be reset; I check again shortly after and report the result.
                """)
        for command in CommandName.allCases {
            let help = HelpReply(topic: command).render(context)
            expectWellFormed(help)
            #expect(help.plain.split(separator: "\n").count <= 6, "\(command): fits a phone screen")
        }
    }

    @Test func usageErrorShowsTheUsageAsCode() throws {
        let parser = CommandParser()
        let error = try usage(parser, "!fed show")
        let reply = UsageReply(error).render(context)
        #expect(reply.plain == "⚠️ SERVER is missing. Usage: !fed show SERVER")
        #expect(reply.html == "<p>⚠️ SERVER is missing. Usage: <code>!fed show SERVER</code></p>")
        let unknown = UsageReply(try usage(parser, "!fed lst")).render(context)
        #expect(unknown.plain == "⚠️ I don't know \"lst\". Did you mean !fed list? (!fed help lists all)")
        #expect(
            unknown.html
                == "<p>⚠️ I don&#39;t know &quot;lst&quot;. Did you mean <code>!fed list</code>? (<code>!fed help</code> lists all)</p>"
        )
        // User input with a stray backtick is shown as typed.
        let stray = UsageReply(try usage(parser, "!fed show ex`ample")).render(context)
        #expect(stray.plain == "⚠️ \"ex`ample\" is not \(ServerArgument.expectation). Usage: `!fed show SERVER`")
        #expect(stray.html.contains("&quot;ex`ample&quot;"))
        let sneaky = UsageReply(try usage(parser, "!fed show <b>x</b>")).render(context)
        #expect(sneaky.html.hasPrefix("<p>⚠️ &quot;&lt;b&gt;x&lt;/b&gt;&quot; is not a server name"))
        expectWellFormed(sneaky)
    }

    @Test func errorUnknownDestinationWithSuggestions() {
        let command = Command.show(server("dead.exmaple"))
        let reply = ErrorReply(
            command: command, error: .unknownDestination("dead.exmaple"), suggestions: ["dead.example", "Dead.example"]
        ).render(context)
        #expect(
            reply.plain
                == "⚠️ Could not show dead.exmaple: dead.exmaple is not a known destination (Synapse has never federated with it; names are case-sensitive). Did you mean dead.example or Dead.example?"
        )
        #expect(
            reply.html
                == "<p>⚠️ Could not show dead.exmaple: dead.exmaple is not a known destination (Synapse has never federated with it; names are case-sensitive). Did you mean <code>dead.example</code> or <code>Dead.example</code>?</p>"
        )
        let many = ErrorReply(command: command, error: .unknownDestination("x"), suggestions: ["a", "b", "c", "d"])
            .render(context)
        #expect(many.plain.hasSuffix(". Did you mean a, b or c?"))
        let none = ErrorReply(command: command, error: .unknownDestination("x")).render(context)
        #expect(
            none.plain
                == "⚠️ Could not show dead.exmaple: x is not a known destination (Synapse has never federated with it; names are case-sensitive)"
        )
    }

    @Test func errorNotServerAdmin() {
        let reply = ErrorReply(command: .list(ListOptions()), error: .notServerAdmin).render(context)
        #expect(
            reply.plain
                == "⚠️ Could not list destinations: the admin token's user is not a server admin: make the bot account an admin or set admin_api.access_token"
        )
        #expect(
            reply.html
                == "<p>⚠️ Could not list destinations: the admin token&#39;s user is not a server admin: make the bot account an admin or set admin_api.access_token</p>"
        )
        let reset = ErrorReply(command: .reset(server("dead.example")), error: .notServerAdmin).render(context)
        #expect(reset.plain.hasPrefix("⚠️ Could not reset dead.example: the admin token's user is not a server admin"))
    }

    private func usage(_ parser: CommandParser, _ message: String) throws -> CommandError {
        let result = try #require(parser.parse(message: message))
        guard case .failure(let error) = result else { throw Failure.parsed(message) }
        return error
    }

    private enum Failure: Error { case parsed(String) }
}

// MARK: - Times and counts

@Suite struct TimeTextTests {
    @Test(
        arguments: [
            (Int64(0), "1970-01-01 00:00 UTC"),
            (-1, "1969-12-31 23:59 UTC"),
            (-999, "1969-12-31 23:59 UTC"),
            (-86_400_000, "1969-12-31 00:00 UTC"),
            (-86_400_001, "1969-12-30 23:59 UTC"),
            (-14_182_940_000, "1969-07-20 20:17 UTC"),
            (-2_203_891_260_000, "1900-02-28 23:59 UTC"),
            (-2_203_891_200_000, "1900-03-01 00:00 UTC"),
            (-11_670_976_800_000, "1600-02-29 06:00 UTC"),
            (951_868_799_000, "2000-02-29 23:59 UTC"),
            (951_868_800_000, "2000-03-01 00:00 UTC"),
            (1_709_210_096_000, "2024-02-29 12:34 UTC"),
            (4_107_542_400_000, "2100-03-01 00:00 UTC"),
            (4_107_542_399_999, "2100-02-28 23:59 UTC"),
            (1_795_519_500_000, "2026-11-24 11:25 UTC"),
            (1_795_519_559_999, "2026-11-24 11:25 UTC"),
        ] as [(Int64, String)])
    func absolute(milliseconds: Int64, text: String) {
        #expect(TimeText.absolute(Timestamp(milliseconds: milliseconds)) == text)
    }

    @Test func short() {
        #expect(TimeText.short(Timestamp(milliseconds: ago(133 * minute)), now: now) == "09:12 UTC")
        #expect(TimeText.short(Timestamp(milliseconds: ago(20 * hour - 1)), now: now) == "15:25 UTC")
        #expect(TimeText.short(Timestamp(milliseconds: ago(20 * hour)), now: now) == "2026-11-23 15:25 UTC")
        #expect(TimeText.short(Timestamp(milliseconds: ago(26 * hour)), now: now) == "2026-11-23 09:25 UTC")
        // A next retry ahead: the clock time only, while it is close.
        #expect(TimeText.short(Timestamp(milliseconds: ago(-4 * minute)), now: now) == "11:29 UTC")
        #expect(TimeText.short(Timestamp(milliseconds: ago(-13 * hour)), now: now) == "00:25 UTC")
        #expect(TimeText.short(Timestamp(milliseconds: ago(-21 * hour)), now: now) == "2026-11-25 08:25 UTC")
    }

    @Test func relative() {
        #expect(TimeText.relative(now, now: now) == "just now")
        #expect(TimeText.relative(Timestamp(milliseconds: ago(999)), now: now) == "just now")
        #expect(TimeText.relative(Timestamp(milliseconds: ago(second)), now: now) == "1s ago")
        #expect(TimeText.relative(Timestamp(milliseconds: ago(133 * minute + 59 * second)), now: now) == "2h 13m ago")
        #expect(TimeText.relative(Timestamp(milliseconds: ago(26 * hour)), now: now) == "1d 2h ago")
        #expect(TimeText.relative(Timestamp(milliseconds: ago(-4 * minute)), now: now) == "in 4m")
        #expect(TimeText.relative(Timestamp(milliseconds: ago(-500)), now: now) == "now")
        #expect(HealthText.age(Timestamp(milliseconds: ago(-5 * minute)), now) == HealthText.age(now, now))
    }

    @Test(
        arguments: [
            (0, "0"), (7, "7"), (999, "999"), (1000, "1,000"), (99_999, "99,999"), (100_000, "100,000"),
            (1_234_567, "1,234,567"), (-1234, "-1,234"), (-999, "-999"),
            (Int.max, "9,223,372,036,854,775,807"), (Int.min, "-9,223,372,036,854,775,808"),
        ] as [(Int, String)])
    func counts(value: Int, text: String) {
        #expect(CountText.format(value) == text)
    }

    @Test func plurals() {
        #expect(CountText.plural(0, "room") == "0 rooms")
        #expect(CountText.plural(1, "room") == "1 room")
        #expect(CountText.plural(2, "room") == "2 rooms")
        #expect(CountText.plural(1000, "destination") == "1,000 destinations")
        #expect(CountText.plural(2, "match", "matches") == "2 matches")
        #expect(CountText.plural(1, "match", "matches") == "1 match")
    }
}

@Suite struct StaleCommandReplyTests {
    @Test func aCommandThatWaitedThroughDowntimeIsNotRun() {
        let maxAge = Duration.seconds(600)
        let received = Timestamp(milliseconds: now.milliseconds - 3 * 86_400_000)
        #expect(StaleCommandReply.isStale(receivedAt: received, now: now, maxAge: maxAge))
        #expect(!StaleCommandReply.isStale(receivedAt: now - .seconds(600), now: now, maxAge: maxAge))
        #expect(!StaleCommandReply.isStale(receivedAt: now - .milliseconds(3), now: now, maxAge: maxAge))
        let reply = StaleCommandReply(sentAt: received - .seconds(60), maxAge: maxAge).render(context)
        #expect(
            reply.plain
                == "⏱️ Not run: this command was sent 3d ago, longer ago than bot.max_command_age (10m), while I could not answer. Send it again if you still want it."
        )
    }
}
