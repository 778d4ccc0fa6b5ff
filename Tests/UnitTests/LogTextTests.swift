import FedBotCore
import Testing

@testable import FedBotRuntime

/// Server-supplied text in logs: one line, no hidden characters, bounded.
@Suite struct LogTextTests {
    @Test(
        "control, separator and format characters are escaped",
        arguments: [
            ("@mallory:evil.example", "@mallory:evil.example"),
            ("a\nFAKE log line", "a\\u{a}FAKE log line"),
            ("a\r\nb", "a\\u{d}\\u{a}b"),
            ("\u{1b}[31mred", "\\u{1b}[31mred"),
            ("x\u{2028}y\u{2029}z", "x\\u{2028}y\\u{2029}z"),
            ("abc\u{202e}fed", "abc\\u{202e}fed"),
            ("zero\u{200b}width", "zero\\u{200b}width"),
            ("tab\there", "tab\\u{9}here"),
            ("ünïcødé 🙂", "ünïcødé 🙂"),
        ])
    func escapes(input: String, expected: String) {
        #expect(LogText.sanitized(input) == expected)
    }

    @Test("long text is cut and marked")
    func capped() {
        #expect(LogText.sanitized(String(repeating: "a", count: 10_000)) == String(repeating: "a", count: 256) + "…")
        #expect(LogText.sanitized("abcdef", maxLength: 3) == "abc…")
        #expect(LogText.sanitized("abc", maxLength: 3) == "abc")
    }

    @Test(
        "an invite's sender is logged as a parsed user ID, or marked invalid, escaped and short",
        arguments: [
            ("@mallory:evil.example" as String?, "@mallory:evil.example"),
            (
                "@mallory:evil.example\n2026-12-05 fedbot: Joined room",
                "invalid: @mallory:evil.example\\u{a}2026-12-05 fedbot: Joined room"
            ),
            ("@mal\u{1b}[2Klory:evil.example", "@mal\\u{1b}[2Klory:evil.example"),
            (String(repeating: "x", count: 500), "invalid: " + String(repeating: "x", count: 64) + "…"),
            (nil, "?"),
        ])
    func inviter(sender: String?, expected: String) {
        #expect(SyncService.inviter(sender) == expected)
    }
}
