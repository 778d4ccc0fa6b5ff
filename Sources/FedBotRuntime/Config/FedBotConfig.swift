public import FedBotCore
public import FedBotModels
import MatrixClient

/// fedbot's configuration, as read by `ConfigLoader` from YAML and the environment (see DESIGN.md,
/// "Configuration"), or built in code by tests. Every value is validated and typed; defaults are
/// the `default…` constants of each section.
public struct FedBotConfig: Sendable, Equatable {
    /// `homeserver`: the client-server API the bot logs in to.
    public var homeserver: Endpoint
    /// `admin_api`: the Synapse admin API; by default the homeserver's URL and token.
    public var adminAPI: Endpoint
    /// `bot`: commands and who may run them.
    public var bot: Bot
    /// `notices`: the federation watcher and its notices.
    public var notices: Notices
    /// `storage`: the embedded SQLite state.
    public var storage: Storage
    /// `metrics`: the optional `/metrics` and `/healthz` listener.
    public var metrics: Metrics
    /// `diagnostics`: `check SERVER` and the diagnosis on notices.
    public var diagnostics: Diagnostics
    /// `probes`: active probes of the servers that matter.
    public var probes: Probes

    /// A configuration; `adminAPI: nil` means the homeserver's URL and token.
    public init(
        homeserver: Endpoint, adminAPI: Endpoint? = nil, bot: Bot = Bot(), notices: Notices = Notices(),
        storage: Storage = Storage(), metrics: Metrics = Metrics(), diagnostics: Diagnostics = Diagnostics(),
        probes: Probes = Probes()
    ) {
        self.homeserver = homeserver
        self.adminAPI =
            adminAPI
            ?? Endpoint(url: homeserver.url, accessToken: homeserver.accessToken, accessTokenSource: .homeserverToken)
        self.bot = bot
        self.notices = notices
        self.storage = storage
        self.metrics = metrics
        self.diagnostics = diagnostics
        self.probes = probes
    }

    /// `homeserver.*` and `admin_api.*`: a base URL and the token sent to it.
    public struct Endpoint: Sendable, Equatable {
        /// `http(s)://host[:port][/prefix]`, stored without a trailing slash. `homeserver.url` is required;
        /// `admin_api.url` defaults to it.
        public var url: String
        /// `homeserver.access_token`, `homeserver.access_token_file` or env `FEDBOT_ACCESS_TOKEN` (required);
        /// `admin_api.access_token`, `admin_api.access_token_file` or env `FEDBOT_ADMIN_TOKEN` (default: the
        /// homeserver token).
        public var accessToken: Secret
        /// Where the token came from, for `check-config` (never the token itself).
        public var accessTokenSource: TokenSource

        public init(url: String, accessToken: Secret, accessTokenSource: TokenSource = .code) {
            self.url = url
            self.accessToken = accessToken
            self.accessTokenSource = accessTokenSource
        }
    }

    /// `bot.*`
    public struct Bot: Sendable, Equatable {
        /// `bot.prefix`: the command word, non-empty without whitespace; default `!fed`.
        public var prefix: String
        /// `bot.rooms`: admin rooms, the only rooms where commands are read; default none.
        public var rooms: [RoomReference]
        /// `bot.operators`: users who may run every command; default none.
        public var operators: [UserID]
        /// `bot.min_power_level`: the power level others in an admin room need; default 50.
        public var minPowerLevel: Int
        /// `bot.max_command_age`: older commands are ignored (e.g. after downtime); default 10m, > 0.
        public var maxCommandAge: Duration

        public static let defaultPrefix = "!fed"
        public static let defaultMinPowerLevel = 50
        public static let defaultMaxCommandAge = Duration.seconds(600)

        public init(
            prefix: String = defaultPrefix, rooms: [RoomReference] = [], operators: [UserID] = [],
            minPowerLevel: Int = defaultMinPowerLevel, maxCommandAge: Duration = defaultMaxCommandAge
        ) {
            self.prefix = prefix
            self.rooms = rooms
            self.operators = operators
            self.minPowerLevel = minPowerLevel
            self.maxCommandAge = maxCommandAge
        }
    }

    /// `notices.*`
    public struct Notices: Sendable, Equatable {
        /// `notices.rooms`: where notices are posted; default none (the watcher still runs for `!fed status`).
        public var rooms: [RoomReference]
        /// `notices.interval`: the watcher's poll interval; default 60s, at least 1s.
        public var interval: Duration
        /// `notices.min_failing`: announce only failures older than this; default 0s.
        public var minFailing: Duration
        /// `notices.ignore`: server-name globs never announced; default none.
        public var ignore: [Glob]
        /// `notices.remind_every`: reminder period for open incidents; default 0s, meaning no reminders.
        public var remindEvery: Duration

        public static let defaultInterval = Duration.seconds(60)
        public static let minimumInterval = Duration.seconds(1)

        public init(
            rooms: [RoomReference] = [], interval: Duration = defaultInterval, minFailing: Duration = .zero,
            ignore: [Glob] = [], remindEvery: Duration = .zero
        ) {
            self.rooms = rooms
            self.interval = interval
            self.minFailing = minFailing
            self.ignore = ignore
            self.remindEvery = remindEvery
        }

        /// Whether `notices.ignore` covers `server`.
        public func ignores(_ server: ServerName) -> Bool {
            ignore.contains { $0.matches(server) }
        }
    }

    /// `storage.*`
    public struct Storage: Sendable, Equatable {
        /// `storage.path`: the SQLite file. `ConfigLoader` makes it absolute, resolving a relative
        /// path against the config file's directory (not the process's working directory).
        public var path: String
        /// `storage.retention`: handled commands and sent messages older than this are pruned. At least
        /// `bot.max_command_age` + 1 h (what recognising a redelivered command needs; see `Retention`).
        public var retention: Duration

        public static let defaultPath = "./fedbot.sqlite"
        public static let defaultRetention = Duration.seconds(7 * 24 * 3600)
        /// How much longer than `bot.max_command_age` the retention must be: a command's event ID must
        /// outlive the age after which a replay of it is refused anyway (plus clock steps).
        public static let retentionMargin = Duration.seconds(3600)

        public init(path: String = defaultPath, retention: Duration = defaultRetention) {
            self.path = path
            self.retention = retention
        }

        /// The shortest `storage.retention` allowed with this `bot.max_command_age`.
        public static func minimumRetention(maxCommandAge: Duration) -> Duration {
            maxCommandAge + retentionMargin
        }
    }

    /// `metrics.*`
    public struct Metrics: Sendable, Equatable {
        /// `metrics.listen`: where to serve `/metrics` and `/healthz`; nil (the default) = no listener.
        public var listen: ListenAddress?

        public init(listen: ListenAddress? = nil) {
            self.listen = listen
        }
    }
}

extension FedBotConfig {
    /// `diagnostics.*`
    public struct Diagnostics: Sendable, Equatable {
        /// `diagnostics.resolver`: the DNS server (`IP:port`) to ask; nil (the default) = the nameservers of
        /// /etc/resolv.conf.
        public var resolver: String?
        /// `diagnostics.ca_file`: extra trust roots (PEM) for the TLS checks, absolute; default none.
        public var caFile: String?
        /// `diagnostics.timeout`: each network step of a check; default 5s, 1s…60s.
        public var timeout: Duration
        /// `diagnostics.on_notices`: attach a diagnosis to failure notices; default true.
        public var onNotices: Bool
        /// `diagnostics.allow_ranges`: CIDR ranges the homeserver's `ip_range_whitelist` allows (no `address`
        /// warning for them); default none.
        public var allowRanges: [IPRange]

        public static let defaultTimeout = Duration.seconds(5)

        public init(
            resolver: String? = nil, caFile: String? = nil, timeout: Duration = defaultTimeout, onNotices: Bool = true,
            allowRanges: [IPRange] = []
        ) {
            self.resolver = resolver
            self.caFile = caFile
            self.timeout = timeout
            self.onNotices = onNotices
            self.allowRanges = allowRanges
        }
    }
}

/// Where an access token came from. Names a variable, key or path, never the token.
public enum TokenSource: Sendable, Equatable, CustomStringConvertible {
    /// An environment variable, e.g. `FEDBOT_ACCESS_TOKEN`.
    case environment(variable: String)
    /// A key in the config file, e.g. `homeserver.access_token`.
    case configKey(String)
    /// A file named by a config key, e.g. `homeserver.access_token_file`.
    case file(key: String, path: String)
    /// The admin API reuses the homeserver's token.
    case homeserverToken
    /// Set in code (tests, tools).
    case code

    public var description: String {
        switch self {
        case .environment(let variable): "environment variable \(variable)"
        case .configKey(let key): "\(key) in the config file"
        case .file(let key, let path): "file \(path) (\(key))"
        case .homeserverToken: "the homeserver's access token"
        case .code: "set in code"
        }
    }
}
