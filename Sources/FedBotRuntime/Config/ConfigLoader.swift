import Foundation
import Yams

/// Finds, reads and validates fedbot's YAML config. Every problem is collected and reported at once
/// as one `ConfigError`; nothing connects to anything.
///
/// Where things come from:
/// - The file: `--config PATH` (`explicitPath`), else env `FEDBOT_CONFIG`, else `./config/fedbot.yaml`.
///   A relative path is resolved against `currentDirectory`. An empty `FEDBOT_CONFIG` counts as unset.
/// - The homeserver token: env `FEDBOT_ACCESS_TOKEN`, else `homeserver.access_token`, else the
///   file named by `homeserver.access_token_file`. The environment wins over both keys (a token file is
///   then not read); setting both keys is an error even when the environment wins. One token is required.
/// - The admin API token: env `FEDBOT_ADMIN_TOKEN`, else `admin_api.access_token`, else
///   `admin_api.access_token_file`, else the homeserver token.
/// - Relative paths in the file (`storage.path` and its default `./fedbot.sqlite`, `*.access_token_file`)
///   resolve against the config file's directory, not the process's working directory (as nginx's and
///   Prometheus's do): the same file names the same state wherever `fedbot` is started. `~` is not expanded.
/// - Tokens are trimmed of surrounding whitespace; an empty or whitespace-only environment variable
///   counts as unset.
public enum ConfigLoader {
    /// `FEDBOT_CONFIG`: the config file when `--config` is not given.
    public static let configPathVariable = "FEDBOT_CONFIG"
    /// `FEDBOT_ACCESS_TOKEN`: the homeserver access token; wins over the config file.
    public static let accessTokenVariable = "FEDBOT_ACCESS_TOKEN"
    /// `FEDBOT_ADMIN_TOKEN`: the admin API access token; wins over the config file.
    public static let adminTokenVariable = "FEDBOT_ADMIN_TOKEN"
    /// The config file used when neither `--config` nor `FEDBOT_CONFIG` is given.
    public static let defaultPath = "./config/fedbot.yaml"

    /// Chooses, reads and validates the config file.
    /// - Parameters:
    ///   - explicitPath: `--config PATH`, if given.
    ///   - environment: the process environment (tests pass their own dictionary).
    ///   - currentDirectory: the directory a relative config path is resolved against (paths inside the
    ///     file resolve against the file's own directory).
    /// - Throws: `ConfigError` listing every problem found.
    public static func load(
        explicitPath: String?, environment: [String: String], currentDirectory: String
    ) throws(ConfigError) -> LoadedConfig {
        let (path, source) = configPath(
            explicitPath: explicitPath, environment: environment, currentDirectory: currentDirectory)
        let text = try readConfigFile(path, source: source)
        return try parse(yaml: text, sourcePath: path, pathSource: source, environment: environment)
    }

    /// The config file to read and why: `--config PATH`, else `FEDBOT_CONFIG`, else `./config/fedbot.yaml`,
    /// made absolute against `currentDirectory`.
    public static func configPath(
        explicitPath: String?, environment: [String: String], currentDirectory: String
    ) -> (path: String, source: ConfigPathSource) {
        if let explicitPath {
            return (ConfigFiles.absolutePath(explicitPath, relativeTo: currentDirectory), .option)
        }
        if let variable = environment[configPathVariable], !variable.trimmingCharacters(in: .whitespaces).isEmpty {
            return (ConfigFiles.absolutePath(variable, relativeTo: currentDirectory), .environment)
        }
        return (ConfigFiles.absolutePath(defaultPath, relativeTo: currentDirectory), .defaultPath)
    }

    /// Validates YAML text as if it had been read from `sourcePath` (absolute: relative paths in the text
    /// resolve against its directory). Token files and the permission checks still use the file system.
    public static func parse(
        yaml: String, sourcePath: String, pathSource: ConfigPathSource = .option, environment: [String: String]
    ) throws(ConfigError) -> LoadedConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigError(problems: [describe(error)], path: sourcePath)
        } catch {
            throw ConfigError(problems: ["invalid YAML"], path: sourcePath)
        }
        let document = ConfigDocument(root: root)
        if document.isUnusable { throw ConfigError(problems: document.problems, path: sourcePath) }
        var builder = ConfigBuilder(document: document, environment: environment, sourcePath: sourcePath)
        guard let config = builder.build() else {
            throw ConfigError(problems: builder.document.problems, path: sourcePath)
        }
        return LoadedConfig(config: config, sourcePath: sourcePath, pathSource: pathSource, warnings: builder.warnings)
    }

    private static func readConfigFile(_ path: String, source: ConfigPathSource) throws(ConfigError) -> String {
        switch ConfigFiles.read(path) {
        case .success(let text):
            return text
        case .failure(let failure):
            var problem = "cannot read config file \(path): \(failure)"
            switch (failure, source) {
            case (.missing, .defaultPath):
                problem +=
                    " (the default path: pass --config PATH or set FEDBOT_CONFIG; "
                    + "config/fedbot.example.yaml is a starting point)"
            case (.missing, .environment): problem += " (from FEDBOT_CONFIG)"
            case (.missing, .option): problem += " (from --config)"
            default: break
            }
            throw ConfigError(problems: [problem], path: path)
        }
    }

    /// A YAML syntax error as one line with its position; the offending text is not quoted, since
    /// it may hold a token.
    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, let yaml),
            .parser(let context, let problem, let mark, let yaml),
            .composer(let context, let problem, let mark, let yaml):
            var text = "invalid YAML at line \(mark.line), column \(mark.column): \(problem)"
            if let context { text += " (\(context.text) at line \(context.mark.line))" }
            if hasUnquotedSigil(yaml, from: context?.mark.line ?? mark.line, to: mark.line) {
                text += "; quote values that start with # or !, e.g. \"#ops:example.org\""
            } else if yaml.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(mark.line - 1).first?
                .prefix(while: { $0 == " " || $0 == "\t" }).contains("\t") == true
            {
                text += "; indent with spaces, not tabs"
            }
            return text
        case .reader(let problem, _, _, _):
            return "invalid YAML: \(problem)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map(ConfigDocument.displayKey).joined(separator: ", ")
            return "invalid YAML near line \(context.mark.line): duplicate key \(keys)"
        default:
            return "invalid YAML"
        }
    }

    /// Whether a line between `from` (or the one before) and `to` has a value starting with `#` or `!`
    /// inside a flow list (`[#ops:example.org]`) or a tag-like `!` value: the usual cause of YAML errors
    /// around room IDs.
    static func hasUnquotedSigil(_ yaml: String, from: Int, to: Int) -> Bool {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        let first = max(1, min(from, to) - 1)  // libyaml often reports the start of the next line
        let last = min(lines.count, max(from, to))
        guard first <= last else { return false }
        return lines[(first - 1)..<last].contains { line in
            let compact = line.filter { $0 != " " && $0 != "\t" }
            return ["[#", ",#", "[!", ",!"].contains { compact.contains($0) }
                || line.contains("- !") || line.contains(": !")
        }
    }
}
