import FedBotCore
import FedBotModels
import Testing

extension ReplyRendering {
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
            #expect(
                TimeText.relative(Timestamp(milliseconds: ago(133 * minute + 59 * second)), now: now) == "2h 13m ago")
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
}
