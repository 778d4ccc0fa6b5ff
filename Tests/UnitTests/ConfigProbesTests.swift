import FedBotCore
import FedBotModels
import FedBotRuntime
import Testing

/// `probes.*`: values, defaults, bounds and the targets they select.
@Suite struct ConfigProbesTests {
    @Test func everyKeyIsReadIntoTypedValues() throws {
        let yaml =
            ConfigFixture.minimal + """

                probes:
                  servers: ["matrix.org", "*.example.net"]
                  top_shared: 20
                  interval: 1m
                  failures: 2
                  stuck_after: 45m
                  auto_reset: true
                """
        let loaded = try ConfigFixture.load(yaml)
        let probes = loaded.config.probes
        #expect(loaded.warnings.isEmpty)
        #expect(probes.servers.map(\.pattern) == ["matrix.org", "*.example.net"])
        #expect(probes.topShared == 20)
        #expect(probes.interval == .seconds(60))
        #expect(probes.failures == 2)
        #expect(probes.stuckAfter == .seconds(2700))
        #expect(probes.autoReset)
        #expect(probes.isEnabled)
        // The echo loads back to the same values.
        let echo = loaded.config.redactedYAML
        #expect(echo.contains("probes:\n  servers: [\"matrix.org\", \"*.example.net\"]\n  top_shared: 20\n"))
        let again = try ConfigFixture.load(echo)
        #expect(again.config.probes == probes)
    }

    @Test(arguments: [
        ("top_shared: -1", "probes.top_shared: must be between 0 and 1000, got -1"),
        ("top_shared: 1001", "probes.top_shared: must be between 0 and 1000, got 1001"),
        ("interval: 5s", "probes.interval: must be at least 10s, got 5s"),
        ("failures: 0", "probes.failures: must be between 1 and 100, got 0"),
        ("stuck_after: 30s", "probes.stuck_after: must be at least 1m, got 30s"),
        ("auto_reset: maybe", "probes.auto_reset: expected true or false, got \"maybe\""),
        (
            "servers: [\"bad name!\"]",
            "probes.servers[0]: expected a server name like matrix.org or a glob like *.example.org, got \"bad name!\""
        ),
        ("intervall: 5m", "probes.intervall: unknown key, did you mean probes.interval?"),
    ])
    func badValuesAreNamed(line: String, problem: String) {
        let problems = ConfigFixture.problems(ConfigFixture.minimal + "\nprobes:\n  \(line)\n")
        #expect(problems == [problem])
    }

    @Test func autoResetWithNothingProbedWarns() throws {
        let loaded = try ConfigFixture.load(ConfigFixture.minimal + "\nprobes:\n  auto_reset: yes\n")
        #expect(loaded.config.probes.autoReset)
        #expect(loaded.warnings.count == 1)
        #expect(loaded.warnings.first?.hasPrefix("probes.auto_reset:") == true)
    }

    @Test func targetsJoinNamesGlobMatchesAndTopShared() {
        let probes = FedBotConfig.Probes(
            servers: [Glob("matrix.org"), Glob("*.example.net")], topShared: 2)
        let targets = probes.targets(
            known: ["a.example.net", "example.net", "B.Example.NET", "other.org"],
            topShared: ["big.org", "matrix.org", "third.org"])
        #expect(targets.map(\.rawValue) == ["B.Example.NET", "a.example.net", "big.org", "matrix.org"])
    }
}
