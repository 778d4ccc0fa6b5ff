import FedBotCore
import Testing

@Suite struct DurationTextTests {
    static let valid: [(String, Duration)] = [
        ("0", Duration.zero),
        ("0s", .zero),
        ("0ms", .zero),
        ("500ms", .milliseconds(500)),
        ("45s", .seconds(45)),
        ("10m", .seconds(600)),
        ("2h", .seconds(7200)),
        ("1d", .seconds(86_400)),
        ("1w", .seconds(604_800)),
        ("1h30m", .seconds(5400)),
        ("1d2h", .seconds(93_600)),
        ("1w2d3h4m5s6ms", .milliseconds(788_645_006)),
        ("2H", .seconds(7200)),
        ("500MS", .milliseconds(500)),
        ("1H30M", .seconds(5400)),
        ("90m", .seconds(5400)),
        ("007s", .seconds(7)),
        ("1s500ms", .milliseconds(1500)),
    ]

    static let formatted: [(Duration, String)] = [
        (Duration.zero, "0s"),
        (.milliseconds(500), "500ms"),
        (.nanoseconds(400_000), "0s"),
        (.seconds(45), "45s"),
        (.seconds(60), "1m"),
        (.seconds(61), "1m 1s"),
        (.seconds(2 * 3600 + 13 * 60 + 59), "2h 13m"),
        (.seconds(7200), "2h"),
        (.seconds(3 * 86_400 + 4 * 3600 + 59), "3d 4h"),
        (.seconds(86_400 + 5 * 60), "1d"),
        (.seconds(17 * 86_400 + 4 * 3600), "17d 4h"),
        (.milliseconds(1500), "1s"),
        (.seconds(-5), "0s"),
        (.milliseconds(-1), "0s"),
    ]

    static let canonical: [(Duration, String)] = [
        (Duration.zero, "0s"),
        (.seconds(600), "10m"),
        (.seconds(5400), "1h30m"),
        (.seconds(86_400), "1d"),
        (.seconds(604_800), "1w"),
        (.seconds(8 * 86_400), "1w1d"),
        (.milliseconds(1500), "1s500ms"),
        (.milliseconds(90_061_001), "1d1h1m1s1ms"),
        (.nanoseconds(1_500_000), "1ms"),
        (.seconds(-1), "0s"),
    ]

    @Test(arguments: Self.valid)
    func parsesValidDurations(text: String, expected: Duration) throws {
        #expect(DurationText.parse(text) == expected)
        #expect(try DurationText.parseOrThrow(text) == expected)
    }

    @Test(arguments: [
        "", " ", "10", "00", "5 m", "1h 30m", " 10m", "10m ", "-5m", "+5m", "1.5h", "1,5h", "0.5s", "ten minutes",
        "10 minutes", "10min", "10sec", "1mo", "1y", "m", "h1", "30m1h", "1h1h", "1m1ms1s", "1h30", "s10",
        "１０m", "10m\n", "99999999999999999999s", "9223372036854775807w", "15250284453w",
    ])
    func rejectsInvalidDurations(text: String) {
        #expect(DurationText.parse(text) == nil)
        #expect(throws: DurationTextError.self) { try DurationText.parseOrThrow(text) }
    }

    @Test func largestRepresentableValueIsAccepted() {
        // Int64.max milliseconds is about 292 million years: the limit before overflow is rejected.
        #expect(DurationText.parse("9223372036854775807ms") == .milliseconds(Int64.max))
        #expect(DurationText.parse("9223372036854775808ms") == nil)
        #expect(DurationText.parse("15250284453w") == nil)
        #expect(DurationText.parse("15250284452w") == .seconds(Int64(15_250_284_452) * 604_800))
    }

    @Test(arguments: [
        ("ten minutes", #"expected a duration like 30s, 10m, 2h or 1d, got "ten minutes""#),
        ("1h 30m", #"expected a duration like 30s, 10m, 2h or 1d, got "1h 30m" (no spaces: write 1h30m)"#),
        ("10 m", #"expected a duration like 30s, 10m, 2h or 1d, got "10 m" (no spaces: write 10m)"#),
        ("", "expected a duration like 30s, 10m, 2h or 1d, got nothing"),
        ("30", #"expected a duration like 30s, 10m, 2h or 1d, got "30" (add a unit: ms, s, m, h, d or w)"#),
        ("1h30", #"expected a duration like 30s, 10m, 2h or 1d, got "1h30" (add a unit: ms, s, m, h, d or w)"#),
        ("1.5h", #"expected a duration like 30s, 10m, 2h or 1d, got "1.5h" (no fractions: write 1h30m or 1500ms)"#),
        ("-5m", #"expected a duration like 30s, 10m, 2h or 1d, got "-5m" (durations cannot be negative)"#),
        ("5min", #"expected a duration like 30s, 10m, 2h or 1d, got "5min" (units are ms, s, m, h, d and w)"#),
        (
            "30m1h",
            #"expected a duration like 30s, 10m, 2h or 1d, got "30m1h" "#
                + "(largest unit first, each unit once, e.g. 1h30m)"
        ),
        (
            "99999999999999999999s",
            #"expected a duration like 30s, 10m, 2h or 1d, got "99999999999999999999s" (too large)"#
        ),
        ("h", #"expected a duration like 30s, 10m, 2h or 1d, got "h""#),
    ])
    func errorMessagesSayWhatWasExpected(text: String, message: String) {
        do {
            let value = try DurationText.parseOrThrow(text)
            Issue.record("\(text) parsed as \(value)")
        } catch {
            #expect(error.description == message)
            #expect(error.input == text)
        }
    }

    @Test(arguments: Self.formatted)
    func formatsShortHumanText(duration: Duration, text: String) {
        #expect(DurationText.format(duration) == text)
    }

    @Test(arguments: Self.canonical)
    func canonicalFormIsExact(duration: Duration, text: String) {
        #expect(DurationText.canonical(duration) == text)
    }

    @Test(arguments: ["0", "500ms", "45s", "10m", "2h", "1d", "1w", "1h30m", "1d2h", "90m", "1w2d3h4m5s6ms", "1000w"])
    func canonicalFormParsesBack(text: String) throws {
        let duration = try DurationText.parseOrThrow(text)
        #expect(DurationText.parse(DurationText.canonical(duration)) == duration)
    }

    @Test func hugeDurationsDoNotTrap() {
        #expect(DurationText.canonical(.seconds(Int64.max)).hasSuffix("ms"))
        #expect(DurationText.format(.seconds(Int64.max)) == "106751991167d 7h")
    }
}
