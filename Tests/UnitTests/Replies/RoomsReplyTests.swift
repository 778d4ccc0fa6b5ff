import FedBotCore
import FedBotModels
import Testing

extension ReplyRendering {
    /// `rooms`: golden pages, hints, long names and the size budget.
    @Suite struct RoomsReplyTests {
        @Test func thousandLongRoomNamesStayUnderTheBudget() throws {
            let long = String(repeating: "<&>", count: 85)
            let rooms = (0..<1000).map { (index: Int) -> RoomsReply.Room in
                RoomsReply.Room(
                    roomID: "!\(index)" + String(repeating: "r", count: 40) + ":example.org", name: long,
                    alias: "#" + String(repeating: "a", count: 240) + ":example.org", members: index)
            }
            let result = RoomsReply(
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
            let room = RoomsReply.Room(
                roomID: "!a:example.org", name: String(repeating: "n", count: 70_000), members: 2)
            let reply = RoomsReply(server: server("example.org"), total: 1, rooms: [room], paging: Paging()).render(
                context)
            expectWellFormed(reply)
            #expect(
                reply.plain
                    == "Rooms shared with example.org: 1\n• \(String(repeating: "n", count: 99))… !a:example.org — 2 members"
            )
        }

        // MARK: rooms

        @Test func roomsWithDetailsUnknownDetailsAndAPagingHint() {
            let rooms = [
                RoomsReply.Room(roomID: "!ops:example.org", name: "Ops", alias: "#ops:example.org", members: 12),
                RoomsReply.Room(roomID: "!a:other.org", alias: "#lobby:other.org", members: 1),
                RoomsReply.Room(roomID: "!unknown:example.org"),
                RoomsReply.Room(roomID: "!xss:example.org", name: "<script>alert(1)</script>", members: 0),
            ]
            let result = RoomsReply(server: server("example.org"), total: 45, rooms: rooms, paging: Paging(limit: 4))
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
                RoomsReply.Room(roomID: "!a:example.org", name: "Ops\n• 🔴 fake.example — failing", members: 3),
                RoomsReply.Room(roomID: "!b:example.org", name: "abc\u{202E}fed", alias: "#x\u{0}y:example.org"),
            ]
            let reply = RoomsReply(server: server("example.org"), total: 2, rooms: rooms, paging: Paging()).render(
                context)
            #expect(
                reply.plain == """
                    Rooms shared with example.org: 2
                    • Ops • 🔴 fake.example — failing !a:example.org — 3 members
                    • abc fed (#x y:example.org) !b:example.org
                    """)
        }

        @Test func roomsEmpty() {
            let none = RoomsReply(server: server("example.org"), total: 0, rooms: [], paging: Paging()).render(context)
            #expect(none.plain == "Rooms shared with example.org: 0\nThis homeserver shares no rooms with example.org.")
            #expect(
                none.html
                    == "<p>Rooms shared with <b>example.org</b>: <b>0</b></p><p>This homeserver shares no rooms with example.org.</p>"
            )
            let past = RoomsReply(server: server("example.org"), total: 45, rooms: [], paging: Paging(page: 5)).render(
                context)
            #expect(past.plain == "Rooms shared with example.org: 45\nPage 5 is empty: there are 3 pages.")
        }
    }
}
