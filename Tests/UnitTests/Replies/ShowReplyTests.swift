import FedBotCore
import FedBotModels
import Testing

extension ReplyRendering {
    /// `show`: each state of a destination.
    @Suite struct ShowReplyTests {
        // MARK: show

        @Test func showFailing() {
            let reply = ShowReply(destination: dead, sharedRooms: 3).render(context)
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
            let reply = ShowReply(destination: slow, sharedRooms: nil).render(context)
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
            let reply = ShowReply(destination: healthy("matrix.org", lastSuccess: 98765), sharedRooms: 1200).render(
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
            let reply = ShowReply(destination: healthy("new.example", lastSuccess: nil), sharedRooms: 0).render(context)
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

        // MARK: events waiting for delivery (issue 14, item 4)

        @Test("a failing destination with rooms waiting: the count after the shared rooms")
        func showWaiting() {
            let backlog = DeliveryBacklog(sharedRooms: 5, waiting: .exactly(3), roomsRead: 5)
            let reply = ShowReply(destination: dead, backlog: backlog).render(context)
            #expect(
                reply.plain == """
                    🔴 dead.example is failing
                    • Failing since: 2026-11-24 09:12 UTC (2h 13m ago)
                    • Retry interval: 10m, next retry 11:29 UTC (in 4m)
                    • Last successful delivery: stream position 1234
                    • Shared rooms: 5 (!fed rooms dead.example)
                    • 3 shared rooms have events waiting for delivery
                    To retry now: !fed reset dead.example
                    """)
            #expect(
                reply.html
                    == "<p>🔴 <b>dead.example</b> is failing</p><ul>"
                    + "<li>Failing since: 2026-11-24 09:12 UTC (2h 13m ago)</li>"
                    + "<li>Retry interval: 10m, next retry 11:29 UTC (in 4m)</li>"
                    + "<li>Last successful delivery: stream position 1234</li>"
                    + "<li>Shared rooms: 5 (<code>!fed rooms dead.example</code>)</li>"
                    + "<li>3 shared rooms have events waiting for delivery</li>"
                    + "</ul><p>To retry now: <code>!fed reset dead.example</code></p>")
            expectWellFormed(reply)
        }

        // MARK: whom to contact (issue 14, item 3)

        @Test("the contact from the support well-known, after the backlog; not checked in time; none published")
        func showContact() {
            let backlog = DeliveryBacklog(sharedRooms: 5, waiting: .exactly(3), roomsRead: 5)
            let support = SupportContacts(
                contacts: [.init(matrixID: "@admin:dead.example", email: "admin@dead.example", role: "m.role.admin")],
                supportPage: "https://dead.example/help")
            let reply = ShowReply(destination: dead, backlog: backlog, contact: .checked(support)).render(context)
            #expect(
                reply.plain == """
                    🔴 dead.example is failing
                    • Failing since: 2026-11-24 09:12 UTC (2h 13m ago)
                    • Retry interval: 10m, next retry 11:29 UTC (in 4m)
                    • Last successful delivery: stream position 1234
                    • Shared rooms: 5 (!fed rooms dead.example)
                    • 3 shared rooms have events waiting for delivery
                    • Contact: @admin:dead.example, admin@dead.example (admin); support page https://dead.example/help
                    To retry now: !fed reset dead.example
                    """)
            #expect(
                reply.html.contains(
                    "<li>Contact: @admin:dead.example, admin@dead.example (admin); support page "
                        + "<a href=\"https://dead.example/help\">https://dead.example/help</a></li></ul>"))
            expectWellFormed(reply)
            let late = ShowReply(destination: dead, backlog: backlog, contact: .notChecked).render(context)
            #expect(late.plain.contains("\n• Contact: not checked yet (!fed check dead.example)\n"))
            let none = ShowReply(destination: dead, backlog: backlog, contact: .checked(nil)).render(context)
            #expect(none.plain.contains("\n• Contact: publishes no contact\n"))
        }

        @Test("one room, none, capped, unknown; no line without shared rooms")
        func waitingVariants() {
            let one = ShowReply(destination: dead, backlog: .init(sharedRooms: 2, waiting: .exactly(1), roomsRead: 2))
            #expect(one.render(context).plain.contains("\n• 1 shared room has events waiting for delivery\n"))
            let none = ShowReply(
                destination: healthy("matrix.org", lastSuccess: 98765),
                backlog: .init(sharedRooms: 1200, waiting: .exactly(0), roomsRead: 1200)
            ).render(context)
            #expect(
                none.plain == """
                    🟢 matrix.org is healthy
                    • No failure recorded.
                    • Last successful delivery: stream position 98765
                    • Shared rooms: 1,200 (!fed rooms matrix.org)
                    • No shared room has events waiting for delivery
                    """)
            #expect(
                none.html
                    == "<p>🟢 <b>matrix.org</b> is healthy</p><ul><li>No failure recorded.</li>"
                    + "<li>Last successful delivery: stream position 98765</li>"
                    + "<li>Shared rooms: 1,200 (<code>!fed rooms matrix.org</code>)</li>"
                    + "<li>No shared room has events waiting for delivery</li></ul>")
            let capped = ShowReply(
                destination: dead, backlog: .init(sharedRooms: 25_000, waiting: .atLeast(1500), roomsRead: 10_000)
            ).render(context)
            #expect(
                capped.plain.contains(
                    "\n• ≥ 1,500 shared rooms have events waiting for delivery (first 10,000 rooms read)\n"))
            #expect(
                capped.html.contains(
                    "<li>≥ 1,500 shared rooms have events waiting for delivery (first 10,000 rooms read)</li>"))
            let unknown = ShowReply(
                destination: healthy("new.example", lastSuccess: nil),
                backlog: .init(sharedRooms: 2, waiting: .unknown, roomsRead: 0)
            ).render(context)
            #expect(
                unknown.plain == """
                    🟢 new.example is healthy
                    • No failure recorded.
                    • Last successful delivery: never
                    • Shared rooms: 2 (!fed rooms new.example)
                    • Events waiting for delivery: unknown (nothing was ever delivered to it)
                    """)
            let noRooms = ShowReply(
                destination: healthy("new.example", lastSuccess: 5),
                backlog: .init(sharedRooms: 0, waiting: .exactly(0), roomsRead: 0)
            ).render(context)
            #expect(!noRooms.plain.contains("waiting"))
            for reply in [one.render(context), none, capped, unknown, noRooms] { expectWellFormed(reply) }
        }

        @Test("a room waits when its stream_ordering is above the last successful one (Synapse's catch-up test)")
        func waitingRoomsCount() {
            let rooms = [
                DestinationRoom(roomID: "!a:x", streamOrdering: 99),
                DestinationRoom(roomID: "!b:x", streamOrdering: 100),
                DestinationRoom(roomID: "!c:x", streamOrdering: 101),
                DestinationRoom(roomID: "!d:x", streamOrdering: 5000),
                DestinationRoom(roomID: "!e:x", streamOrdering: nil),
            ]
            #expect(DeliveryBacklog.waitingRooms(rooms, after: 100) == 2)
            #expect(DeliveryBacklog.waitingRooms(rooms, after: 6000) == 0)
            #expect(DeliveryBacklog.waitingRooms(rooms, after: nil) == nil)
            #expect(DeliveryBacklog.waitingRooms([], after: 0) == 0)
        }
    }
}
