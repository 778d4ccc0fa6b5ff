import FedBotCore
import FedBotModels
import Foundation
import MatrixClient

/// Turns a checked `ConfigDocument` into a `FedBotConfig`: applies defaults, validates values and
/// resolves tokens. Problems go into the document, risky-but-valid things into `warnings`.
struct ConfigBuilder {
    var document: ConfigDocument
    let environment: [String: String]
    let sourcePath: String
    /// Where relative paths in the file (`storage.path`, `*.access_token_file`) resolve: the config file's
    /// directory, so the process's working directory does not matter.
    let baseDirectory: String
    private(set) var warnings: [String] = []

    init(document: ConfigDocument, environment: [String: String], sourcePath: String) {
        self.document = document
        self.environment = environment
        self.sourcePath = sourcePath
        self.baseDirectory = Self.directory(of: sourcePath)
    }

    /// The directory holding `path` (an absolute path): `/etc/fedbot` for `/etc/fedbot/fedbot.yaml`.
    static func directory(of path: String) -> String {
        let components = path.split(separator: "/")
        return "/" + components.dropLast().joined(separator: "/")
    }

    /// The configuration, or nil when the document has problems.
    mutating func build() -> FedBotConfig? {
        let homeserverURL = baseURL("homeserver.url")
        if !document.isSet("homeserver.url") {
            document.addProblem(
                "homeserver.url: missing: set it to the client-server API base URL, e.g. https://matrix.example.org")
        }
        let homeserverToken = token(section: "homeserver", variable: ConfigLoader.accessTokenVariable)
        if case .absent = homeserverToken {
            document.addProblem(
                "homeserver.access_token: missing: set \(ConfigLoader.accessTokenVariable), "
                    + "homeserver.access_token or homeserver.access_token_file")
        }
        let adminURL = baseURL("admin_api.url")
        for (path, url) in [("homeserver.url", homeserverURL), ("admin_api.url", adminURL)] {
            if let url, let host = Self.plainHTTPHost(url), !Self.isLoopback(host) {
                addWarning(
                    "\(path): http:// to \(host), which is not this machine: the bot's token crosses the network "
                        + "unencrypted; use https:// unless that network is private (a container network)")
            }
        }
        let adminToken = token(section: "admin_api", variable: ConfigLoader.adminTokenVariable)
        let bot = buildBot()
        let notices = buildNotices()
        let storage = buildStorage(maxCommandAge: bot.maxCommandAge)
        let diagnostics = buildDiagnostics()
        let probes = buildProbes()
        let listen = document.value(
            "metrics.listen", expected: "host:port like 127.0.0.1:9464 or [::1]:9464", parse: ListenAddress.init)

        guard document.problems.isEmpty, let homeserverURL, case .found(let token, let source) = homeserverToken
        else { return nil }
        let homeserver = FedBotConfig.Endpoint(url: homeserverURL, accessToken: token, accessTokenSource: source)
        var adminAPI = FedBotConfig.Endpoint(
            url: adminURL ?? homeserverURL, accessToken: token, accessTokenSource: .homeserverToken)
        if case .found(let adminSecret, let adminSource) = adminToken {
            adminAPI.accessToken = adminSecret
            adminAPI.accessTokenSource = adminSource
        }
        return FedBotConfig(
            homeserver: homeserver, adminAPI: adminAPI, bot: bot, notices: notices, storage: storage,
            metrics: FedBotConfig.Metrics(listen: listen), diagnostics: diagnostics, probes: probes)
    }

    mutating func addWarning(_ warning: String) { warnings.append(warning) }

    // MARK: - Sections

    private mutating func buildBot() -> FedBotConfig.Bot {
        var bot = FedBotConfig.Bot()
        if let prefix = document.string("bot.prefix") {
            if prefix.isEmpty {
                document.addProblem("bot.prefix: must not be empty (the default is \(FedBotConfig.Bot.defaultPrefix))")
            } else if prefix.contains(where: \.isWhitespace) {
                document.addProblem(
                    "bot.prefix: must not contain spaces, got \(document.quoted(prefix, at: "bot.prefix"))")
            } else {
                bot.prefix = prefix
            }
        }
        bot.rooms = rooms("bot.rooms") ?? []
        bot.operators =
            unique(
                "bot.operators",
                document.list(
                    "bot.operators", listOf: "user IDs", expected: "a user ID like \"@alice:example.org\"",
                    parse: UserID.init)) ?? []
        bot.minPowerLevel = document.int("bot.min_power_level") ?? FedBotConfig.Bot.defaultMinPowerLevel
        if bot.minPowerLevel < 1 {
            document.addProblem(
                "bot.min_power_level: must be at least 1, got \(bot.minPowerLevel) (at 0 every member of an admin room "
                    + "could run every command, reset included; name people in bot.operators instead)")
        }
        if let age = document.duration("bot.max_command_age") {
            if age <= .zero {
                document.addProblem("bot.max_command_age: must be longer than 0s")
            } else {
                bot.maxCommandAge = age
            }
        }
        return bot
    }

    private mutating func buildNotices() -> FedBotConfig.Notices {
        var notices = FedBotConfig.Notices()
        notices.rooms = rooms("notices.rooms") ?? []
        if let interval = document.duration("notices.interval") {
            if interval < FedBotConfig.Notices.minimumInterval {
                document.addProblem(
                    "notices.interval: must be at least 1s, got \(DurationText.canonical(interval))")
            } else {
                notices.interval = interval
            }
        }
        notices.minFailing = document.duration("notices.min_failing") ?? .zero
        notices.remindEvery = document.duration("notices.remind_every") ?? .zero
        if notices.remindEvery > .zero, notices.remindEvery < notices.interval {
            addWarning(
                "notices.remind_every: \(DurationText.canonical(notices.remindEvery)) is shorter than "
                    + "notices.interval (\(DurationText.canonical(notices.interval))): "
                    + "reminders come at most once per poll")
        }
        let patterns = document.list(
            "notices.ignore", listOf: "server names or globs", expected: "a server name or a glob like *.example.org",
            parse: Self.ignorePattern)
        notices.ignore = unique("notices.ignore", patterns) ?? []
        return notices
    }

    private mutating func buildStorage(maxCommandAge: Duration) -> FedBotConfig.Storage {
        var storage = FedBotConfig.Storage(
            path: ConfigFiles.absolutePath(FedBotConfig.Storage.defaultPath, relativeTo: baseDirectory))
        if let path = document.string("storage.path", expected: "a file path") {
            if path.isEmpty || path.contains("\0") {
                document.addProblem(
                    "storage.path: expected a file path like ./fedbot.sqlite, got \(String(reflecting: path))")
            }
            storage.path = ConfigFiles.absolutePath(path, relativeTo: baseDirectory)
        }
        if let retention = document.duration("storage.retention") {
            let minimum = FedBotConfig.Storage.minimumRetention(maxCommandAge: maxCommandAge)
            if retention < minimum {
                document.addProblem(
                    "storage.retention: must be at least \(DurationText.canonical(minimum)) (bot.max_command_age + 1h: "
                        + "a handled command is remembered until a redelivery of it would be refused as too old), "
                        + "got \(DurationText.canonical(retention))")
            } else {
                storage.retention = retention
            }
        }
        return storage
    }

    private mutating func buildDiagnostics() -> FedBotConfig.Diagnostics {
        var diagnostics = FedBotConfig.Diagnostics()
        diagnostics.resolver = document.value(
            "diagnostics.resolver", expected: "an IP address and port like 127.0.0.1:53 or [::1]:53"
        ) { text in
            guard let name = ServerName(text), name.port != nil, ServerResolution.isIPLiteral(name.host) else {
                return nil
            }
            return text
        }
        if let path = document.string("diagnostics.ca_file", expected: "a file path") {
            let absolute = ConfigFiles.absolutePath(path, relativeTo: baseDirectory)
            if path.isEmpty || !FileManager.default.isReadableFile(atPath: absolute) {
                document.addProblem(
                    "diagnostics.ca_file: cannot read \(String(reflecting: absolute)) (a PEM file of CA certificates)")
            } else {
                diagnostics.caFile = absolute
            }
        }
        if let timeout = document.duration("diagnostics.timeout") {
            if timeout < .seconds(1) || timeout > .seconds(60) {
                document.addProblem(
                    "diagnostics.timeout: must be between 1s and 60s, got \(DurationText.canonical(timeout))")
            } else {
                diagnostics.timeout = timeout
            }
        }
        if let flag = document.value("diagnostics.on_notices", expected: "true or false", parse: Self.bool) {
            diagnostics.onNotices = flag
        }
        diagnostics.allowRanges =
            document.list(
                "diagnostics.allow_ranges", listOf: "CIDR ranges", expected: "a CIDR range like 10.0.0.0/8 or fd00::/8",
                parse: IPRange.init) ?? []
        return diagnostics
    }

    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": true
        case "false", "no", "off": false
        default: nil
        }
    }

    // MARK: - Values

    private mutating func rooms(_ path: String) -> [RoomReference]? {
        let rooms = document.list(
            path, listOf: "room IDs or aliases",
            expected: "a room ID like \"!abc:example.org\" or an alias like \"#ops:example.org\"",
            parse: RoomReference.init)
        return unique(path, rooms)
    }

    /// Drops repeated items, keeping the first, with a warning per repetition.
    mutating func unique<T: Hashable & CustomStringConvertible>(_ path: String, _ items: [T]?) -> [T]? {
        guard let items else { return nil }
        var seen: Set<T> = []
        var result: [T] = []
        for item in items {
            if seen.insert(item).inserted {
                result.append(item)
            } else {
                addWarning("\(path): \(String(reflecting: item.description)) is listed more than once")
            }
        }
        return result
    }

    /// `http(s)://host[:port][/prefix]` without query, fragment or credentials; trailing slashes dropped.
    private mutating func baseURL(_ path: String) -> String? {
        guard let text = document.string(path, expected: "a URL") else { return nil }
        let expected = "expected an http:// or https:// URL like https://matrix.example.org"
        guard let schemeEnd = text.range(of: "://") else {
            var problem = "\(path): \(expected), got \(document.quoted(text, at: path))"
            if !text.isEmpty, ServerName(text) != nil { problem += " (add https://)" }
            document.addProblem(problem)
            return nil
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if authority.contains("@") {
            document.addProblem("\(path): must not contain a user name or password; tokens go in access_token")
            return nil
        }
        guard scheme == "http" || scheme == "https", !text.contains(where: \.isWhitespace),
            !rest.contains("?"), !rest.contains("#"), ServerName(String(authority)) != nil
        else {
            document.addProblem("\(path): \(expected), got \(document.quoted(text, at: path))")
            return nil
        }
        var url = text
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// The host of an `http://` URL (nil for https).
    static func plainHTTPHost(_ url: String) -> String? {
        guard url.lowercased().hasPrefix("http://") else { return nil }
        let authority = url.dropFirst("http://".count).prefix { $0 != "/" }
        return ServerName(String(authority))?.host
    }

    /// `localhost`, 127.0.0.0/8 and `[::1]`: a plain-HTTP token to these never leaves the machine.
    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        if host == "localhost" || host == "[::1]" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// A server name pattern: letters, digits, `-`, `.`, `:`, `[`, `]` and the wildcards `*` and `?`.
    static func ignorePattern(_ text: String) -> Glob? {
        guard !text.isEmpty,
            text.unicodeScalars.allSatisfy({
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                    || "-.:[]*?".unicodeScalars.contains($0)
            })
        else { return nil }
        return Glob(text)
    }
}
