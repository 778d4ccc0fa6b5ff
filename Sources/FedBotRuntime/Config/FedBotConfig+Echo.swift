import FedBotCore
import FedBotModels
import MatrixClient

extension FedBotConfig {
    /// The effective configuration as YAML, for `check-config` and logs: every key with its value after
    /// defaults, durations in canonical form (`10m`), paths absolute. Tokens are never shown, only where
    /// they came from, as comments. Loading the result (with the tokens in the environment) gives back
    /// the same configuration.
    public var redactedYAML: String {
        var lines = [
            "homeserver:",
            "  url: \(Self.yamlQuote(homeserver.url))",
            "  # access_token: \(Secret.redacted) (\(homeserver.accessTokenSource))",
            "admin_api:",
            "  url: \(Self.yamlQuote(adminAPI.url))",
            "  # access_token: \(Secret.redacted) (\(adminAPI.accessTokenSource))",
            "bot:",
            "  prefix: \(Self.yamlQuote(bot.prefix))",
            "  rooms: \(Self.yamlList(bot.rooms.map(\.rawValue)))",
            "  operators: \(Self.yamlList(bot.operators.map(\.rawValue)))",
            "  min_power_level: \(bot.minPowerLevel)",
            "  max_command_age: \(DurationText.canonical(bot.maxCommandAge))",
            "notices:",
            "  rooms: \(Self.yamlList(notices.rooms.map(\.rawValue)))",
            "  interval: \(DurationText.canonical(notices.interval))",
            "  min_failing: \(DurationText.canonical(notices.minFailing))",
            "  ignore: \(Self.yamlList(notices.ignore.map(\.pattern)))",
            "  remind_every: \(DurationText.canonical(notices.remindEvery))",
            "storage:",
            "  path: \(Self.yamlQuote(storage.path))",
            "  retention: \(DurationText.canonical(storage.retention))",
            "metrics:",
        ]
        if let listen = metrics.listen {
            lines.append("  listen: \(Self.yamlQuote(listen.description))")
        } else {
            lines.append("  # listen: none (no metrics listener)")
        }
        lines.append("diagnostics:")
        if let resolver = diagnostics.resolver {
            lines.append("  resolver: \(Self.yamlQuote(resolver))")
        } else {
            lines.append("  # resolver: none (the nameservers of /etc/resolv.conf)")
        }
        if let caFile = diagnostics.caFile {
            lines.append("  ca_file: \(Self.yamlQuote(caFile))")
        } else {
            lines.append("  # ca_file: none (system roots only)")
        }
        lines.append("  timeout: \(DurationText.canonical(diagnostics.timeout))")
        lines.append("  on_notices: \(diagnostics.onNotices)")
        lines.append("  allow_ranges: \(Self.yamlList(diagnostics.allowRanges.map(\.description)))")
        lines += [
            "probes:",
            "  servers: \(Self.yamlList(probes.servers.map(\.pattern)))",
            "  top_shared: \(probes.topShared)",
            "  interval: \(DurationText.canonical(probes.interval))",
            "  failures: \(probes.failures)",
            "  stuck_after: \(DurationText.canonical(probes.stuckAfter))",
            "  auto_reset: \(probes.autoReset)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// A double-quoted YAML scalar.
    static func yamlQuote(_ text: String) -> String {
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            case "\r": quoted += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    quoted += "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                } else {
                    quoted.unicodeScalars.append(scalar)
                }
            }
        }
        return quoted + "\""
    }

    static func yamlList(_ items: [String]) -> String {
        "[" + items.map(yamlQuote).joined(separator: ", ") + "]"
    }
}
