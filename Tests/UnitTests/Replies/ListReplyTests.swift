import FedBotCore
import FedBotModels
import Testing

extension ReplyRendering {
    /// `list`: golden pages, hints, escaping and the size budget.
    @Suite struct ListReplyTests {
        // MARK: list

        @Test func listPageWithFailingAndHealthyRowsAndAMoreHint() {
            let plan = ListPlan(
                options: ListOptions(paging: Paging(limit: 5)), failing: [slow, dead], total: 142, placement: .low)
            let rows = [slow, dead, healthy("a.example"), healthy("b.example"), healthy("matrix.org")]
            let reply = ListReply(plan: plan, rows: rows).render(context)
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
            let reply = ListReply(plan: plan, rows: rows).render(context)
            #expect(reply.plain.hasPrefix("Federation: 0 failing, 160 healthy (160 destinations)\n• 🟢 s0.example\n"))
            #expect(reply.plain.hasSuffix("\n• 🟢 s19.example\n… 140 more: !fed list --page 2"))
            #expect(reply.html.hasSuffix("</ul><p>… 140 more: <code>!fed list --page 2</code></p>"))
        }

        @Test func hintRepeatsFilterTextAndSort() {
            let options = ListOptions(
                filter: .healthy, text: "org", sort: .lastSuccess, descending: true, paging: Paging(page: 2))
            let plan = ListPlan(options: options, failing: [dead], total: 61, placement: .high)
            let rows = (0..<20).map { healthy("h\($0).org") }
            let reply = ListReply(plan: plan, rows: rows).render(context)
            #expect(reply.plain.hasPrefix("Federation: 1 failing, 60 healthy (61 destinations matching \"org\")\n"))
            #expect(reply.plain.hasSuffix("\n… 20 more: !fed list healthy org --sort last-success --desc --page 3"))
            #expect(
                reply.html.hasPrefix(
                    "<p>Federation: <b>1</b> failing, 60 healthy (61 destinations matching &quot;org&quot;)</p>"))
        }

        @Test func lastPageHasNoHint() {
            let plan = ListPlan(
                options: ListOptions(paging: Paging(limit: 2, page: 2)), failing: [], total: 3, placement: nil)
            let reply = ListReply(plan: plan, rows: [healthy("c.example")]).render(context)
            #expect(reply.plain == "Federation: 0 failing, 3 healthy (3 destinations)\n• 🟢 c.example")
            #expect(
                reply.html
                    == "<p>Federation: <b>0</b> failing, 3 healthy (3 destinations)</p><ul><li>🟢 <code>c.example</code></li></ul>"
            )
        }

        @Test func emptyPageSaysHowManyPagesThereAre() {
            let plan = ListPlan(
                options: ListOptions(paging: Paging(page: 9)), failing: [slow, dead], total: 142, placement: .low)
            let reply = ListReply(plan: plan, rows: []).render(context)
            #expect(
                reply.plain
                    == "Federation: 2 failing, 140 healthy (142 destinations)\nPage 9 is empty: there are 8 pages.")
            #expect(
                reply.html
                    == "<p>Federation: <b>2</b> failing, 140 healthy (142 destinations)</p><p>Page 9 is empty: there are 8 pages.</p>"
            )
            let one = ListPlan(options: ListOptions(paging: Paging(page: 2)), failing: [], total: 3, placement: nil)
            #expect(
                ListReply(plan: one, rows: []).render(context).plain.hasSuffix("\nPage 2 is empty: there is 1 page."))
        }

        @Test func nothingFailing() {
            let plan = ListPlan(options: ListOptions(filter: .failing), failing: [], total: 140, placement: nil)
            let reply = ListReply(plan: plan, rows: []).render(context)
            #expect(reply.plain == "Federation: 0 failing, 140 healthy (140 destinations)\nNothing is failing. 🎉")
            #expect(
                reply.html
                    == "<p>Federation: <b>0</b> failing, 140 healthy (140 destinations)</p><p>Nothing is failing. 🎉</p>"
            )
            let matching = ListPlan(
                options: ListOptions(filter: .failing, text: "matrix"), failing: [], total: 3, placement: nil)
            #expect(
                ListReply(plan: matching, rows: []).render(context).plain
                    == "Federation: 0 failing, 3 healthy (3 destinations matching \"matrix\")\nNothing matching is failing."
            )
            let none = ListPlan(options: ListOptions(), failing: [], total: 0, placement: nil)
            #expect(
                ListReply(plan: none, rows: []).render(context).plain
                    == "Federation: 0 failing, 0 healthy (0 destinations)\nThis homeserver has no federation destinations yet."
            )
            let oneDestination = ListPlan(options: ListOptions(text: "zz"), failing: [], total: 1, placement: nil)
            #expect(
                ListReply(plan: oneDestination, rows: [healthy("zz.example")]).render(context).plain
                    == "Federation: 0 failing, 1 healthy (1 destination matching \"zz\")\n• 🟢 zz.example")
        }

        @Test func destinationNamesAreEscapedInHTMLOnly() {
            // Synapse does not validate destination names.
            let odd = Destination(
                destination: "<b>&\"'", retryLastTs: ago(minute), retryInterval: 10 * minute, failureTs: ago(minute))
            let plan = ListPlan(options: ListOptions(), failing: [odd], total: 1, placement: nil)
            let reply = ListReply(plan: plan, rows: [odd]).render(context)
            #expect(reply.plain.contains("• 🔴 <b>&\"' — failing for 1m, next retry in 9m"))
            #expect(
                reply.html.contains(
                    "<li>🔴 <code>&lt;b&gt;&amp;&quot;&#39;</code> — failing for 1m, next retry in 9m</li>"))
            #expect(!reply.html.contains("<b>&"))
            expectWellFormed(reply)
            let show = ShowReply(destination: odd, sharedRooms: nil).render(context)
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
            let reply = ListReply(plan: plan, rows: rows).render(context)
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
            #expect(
                hint.hasPrefix("… \(CountText.format(5000 - options.paging.offset - shown)) more: !fed list --limit "))
            #expect(hint.hasSuffix("fit in one message)"))
        }

        @Test func everyNameLengthStaysUnderTheBudget() {
            for length in stride(from: 105, through: 255, by: 25) {
                for count in [60, 300, 1000] {
                    let rows = (0..<count).map { healthy("\($0 + 1000)" + String(repeating: "x", count: length - 4)) }
                    let plan = ListPlan(
                        options: ListOptions(text: "x", paging: Paging(limit: count)), failing: [], total: 2000,
                        placement: nil)
                    let reply = ListReply(plan: plan, rows: rows).render(context)
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
    }
}
