import FedBotCore
import FedBotModels
import Testing

extension ReplyRendering {
    /// Numbers from the admin API are whatever the server says: implausible ones render as text instead
    /// of trapping (a trap kills the bot, and the command stays pending across restarts).
    @Suite struct ExtremeNumberTests {
        static let extremes: [Int64] = [.max, .min, .max - 1, .min + 1, -1, 0]

        static func destinations() -> [Destination] {
            extremes.flatMap { value in
                extremes.map { other in
                    Destination(
                        destination: "x.example", retryLastTs: value, retryInterval: other, failureTs: value,
                        lastSuccessfulStreamOrdering: other)
                }
                    + [
                        Destination(
                            destination: "y.example", retryLastTs: 0, retryInterval: value, failureTs: nil,
                            lastSuccessfulStreamOrdering: value),
                        Destination(
                            destination: "z.example", retryLastTs: ago(minute), retryInterval: value,
                            failureTs: ago(hour), lastSuccessfulStreamOrdering: value),
                    ]
            }
        }

        @Test func showRendersExtremeTimesAndCounts() {
            for destination in Self.destinations() {
                for rooms in [Int.max, Int.min, -1, nil] {
                    let reply = ShowReply(destination: destination, sharedRooms: rooms).render(context)
                    #expect(reply.plain.hasPrefix("🔴 x.example") || reply.plain.contains(" is "))
                    expectWellFormed(reply)
                }
            }
        }

        @Test func listRendersExtremeTimesAndTotals() {
            let failing = Self.destinations().filter(\.isFailing)
            for total in [Int.max, Int.min, Int.max - 1, 0] {
                for filter in [ListFilter.all, .failing, .healthy] {
                    for page in [1, Paging.maximumPage] {
                        let options = ListOptions(filter: filter, paging: Paging(limit: 1000, page: page))
                        let plan = ListPlan(options: options, failing: failing, total: total, placement: .high)
                        _ = plan.window
                        let rows = plan.rows(window: Self.destinations())
                        let reply = ListReply(plan: plan, rows: rows).render(context)
                        #expect(reply.plain.hasPrefix("Federation: "))
                        expectWellFormed(reply)
                        let empty = ListReply(plan: plan, rows: []).render(context)
                        #expect(empty.plain.hasPrefix("Federation: "))
                    }
                }
            }
        }

        @Test func listOfExtremeTimesSaysSomethingSensible() {
            let row = Destination(
                destination: "far.example", retryLastTs: .max, retryInterval: .max, failureTs: .min,
                lastSuccessfulStreamOrdering: .max)
            let plan = ListPlan(options: ListOptions(), failing: [row], total: .max, placement: .high)
            let reply = ListReply(plan: plan, rows: [row]).render(context)
            #expect(reply.plain.hasPrefix("Federation: 1 failing, 9,223,372,036,854,775,806 healthy"))
            #expect(reply.plain.contains("• 🔴 far.example — failing for 106751991167d 7h, next retry in "))
            let show = ShowReply(destination: row, sharedRooms: .max).render(context).plain
            #expect(show.contains("Last successful delivery: stream position 9223372036854775807"))
            #expect(show.contains("Shared rooms: 9,223,372,036,854,775,807"))
        }

        @Test func roomsRendersExtremeTotalsAndMemberCounts() {
            let rooms = [Int.max, Int.min, -1, 0, 1].map { (members: Int) -> RoomsReply.Room in
                RoomsReply.Room(roomID: "!r\(members):example.org", name: "Room", members: members)
            }
            for total in [Int.max, Int.min, Int.max - 1, -1, 0] {
                for page in [1, Paging.maximumPage] {
                    for shown in [rooms, []] {
                        let reply = RoomsReply(
                            server: server("example.org"), total: total, rooms: shown,
                            paging: Paging(limit: 1000, page: page)
                        ).render(context)
                        #expect(reply.plain.hasPrefix("Rooms shared with example.org: "))
                        expectWellFormed(reply)
                    }
                }
            }
        }

        @Test func timeTextCoversEveryTimestamp() {
            for value in Self.extremes {
                let time = Timestamp(milliseconds: value)
                #expect(TimeText.absolute(time).hasSuffix(" UTC"))
                #expect(!TimeText.relative(time, now: now).isEmpty)
                #expect(TimeText.short(time, now: now).hasSuffix(" UTC"))
            }
            #expect(TimeText.absolute(Timestamp(milliseconds: .max)) == "292278994-08-17 07:12 UTC")
            #expect(TimeText.absolute(Timestamp(milliseconds: .min)) == "-292275055-05-16 16:47 UTC")
        }
    }
}
