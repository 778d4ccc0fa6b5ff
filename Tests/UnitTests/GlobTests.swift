import FedBotCore
import FedBotModels
import MatrixClient
import Testing

@Suite struct GlobTests {
    @Test(arguments: [
        ("dead.example.com", "dead.example.com"),
        ("DEAD.Example.COM", "dead.example.com"),
        ("dead.example.com", "DEAD.EXAMPLE.COM"),
        ("*.example.org", "a.example.org"),
        ("*.example.org", "a.b.example.org"),
        ("*example.org", "example.org"),
        ("*", "anything.at.all:8448"),
        ("*", ""),
        ("matrix?.example.org", "matrix1.example.org"),
        ("*.example.org:*", "a.example.org:8448"),
        ("1.2.3.?", "1.2.3.4"),
        ("[::1]:*", "[::1]:8448"),
        ("**.org", "x.org"),
        ("a*b*c", "abc"),
        ("a*b*c", "aXXbYYc"),
        ("*a*a*a*a*a*a*b", String(repeating: "a", count: 200) + "b"),
        ("?", "é"),
        ("a\\*", "a\\b"),
        ("", ""),
    ])
    func matches(pattern: String, text: String) {
        #expect(Glob(pattern).matches(text))
    }

    @Test(arguments: [
        ("dead.example.com", "dead.example.co"),
        ("dead.example.com", "xdead.example.com"),
        ("dead.example.com", "dead.example.com:8448"),
        ("*.example.org", "example.org"),
        ("*.example.org", "example.org.evil.com"),
        ("matrix?.example.org", "matrix.example.org"),
        ("matrix?.example.org", "matrix12.example.org"),
        // A literal dot is a dot, not "any character" as in a regex.
        ("a.b", "axb"),
        // Regex metacharacters are literals.
        ("a+b", "aab"),
        ("(a|b)", "a"),
        ("^a$", "a"),
        ("[ab]", "a"),
        // A backslash is a literal, not an escape.
        ("a\\*", "a*"),
        ("", "a"),
        ("?", ""),
        ("a*b*c", "aXXbYY"),
        // Only ASCII letters fold case.
        ("É", "é"),
    ])
    func doesNotMatch(pattern: String, text: String) {
        #expect(!Glob(pattern).matches(text))
    }

    @Test func pathologicalPatternsFinishQuickly() {
        // Exponential backtracking would take ages on these; the matcher is O(pattern × text).
        let text = String(repeating: "a", count: 20_000)
        #expect(!Glob("*a*a*a*a*a*a*a*a*a*a*a*a*b").matches(text))
        #expect(!Glob(String(repeating: "*a", count: 50) + "b").matches(text))
        #expect(Glob(String(repeating: "*a", count: 50) + "*").matches(text))
        #expect(!Glob(String(repeating: "?", count: 20_001)).matches(text))
        #expect(Glob(String(repeating: "*", count: 10_000) + "a").matches(text))
    }

    @Test func matchesServerNames() throws {
        let server = try #require(ServerName("Matrix.Example.org:8448"))
        #expect(Glob("*.example.org:8448").matches(server))
        #expect(!Glob("*.example.org").matches(server))
    }

    @Test func keepsThePatternAsWritten() {
        let glob = Glob("**.Example.org")
        #expect(glob.pattern == "**.Example.org")
        #expect(glob.description == "**.Example.org")
        #expect(glob.hasWildcards)
        #expect(!Glob("example.org").hasWildcards)
        #expect(Glob("ex?mple.org").hasWildcards)
    }
}
