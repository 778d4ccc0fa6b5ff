/// Everything wrong with a configuration, one line per problem, each naming the key path:
/// `bot.max_command_age: expected a duration like 30s, 10m, 2h or 1d, got "ten minutes"`.
/// No line ever contains a secret.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    /// One message per problem, in file order where there is one.
    public var problems: [String]
    /// The config file the problems were found in, when one was chosen.
    public var path: String?

    public init(problems: [String], path: String? = nil) {
        self.problems = problems
        self.path = path
    }

    /// The problems, one per line.
    public var description: String { problems.joined(separator: "\n") }
}

/// A validated configuration with where it came from and what looked risky.
public struct LoadedConfig: Sendable, Equatable {
    /// The configuration.
    public var config: FedBotConfig
    /// The absolute path of the YAML file that was read.
    public var sourcePath: String
    /// Why that file was chosen.
    public var pathSource: ConfigPathSource
    /// Things that work but deserve attention (e.g. a token file readable by others); for the caller
    /// to log or print. Never contains secrets.
    public var warnings: [String]

    public init(config: FedBotConfig, sourcePath: String, pathSource: ConfigPathSource, warnings: [String]) {
        self.config = config
        self.sourcePath = sourcePath
        self.pathSource = pathSource
        self.warnings = warnings
    }
}

/// How the config file's path was chosen: `--config PATH`, else env `FEDBOT_CONFIG`, else
/// `./config/fedbot.yaml`.
public enum ConfigPathSource: Sendable, Equatable, CustomStringConvertible {
    /// `--config PATH`.
    case option
    /// The `FEDBOT_CONFIG` environment variable.
    case environment
    /// `./config/fedbot.yaml` in the current directory.
    case defaultPath

    public var description: String {
        switch self {
        case .option: "--config"
        case .environment: "FEDBOT_CONFIG"
        case .defaultPath: "the default path"
        }
    }
}
