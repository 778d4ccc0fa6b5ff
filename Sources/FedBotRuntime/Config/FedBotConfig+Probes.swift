public import FedBotCore
public import FedBotModels

extension FedBotConfig {
    /// `probes.*`: active probes of the servers that matter (issue 18).
    public struct Probes: Sendable, Equatable {
        /// `probes.servers`: server names or globs; a glob is matched against the destinations Synapse knows.
        /// Default none.
        public var servers: [Glob]
        /// `probes.top_shared`: also probe the N destinations sharing the most rooms (refreshed hourly);
        /// 0…1000, default 0.
        public var topShared: Int
        /// `probes.interval`: how often each probed server is probed; at least 10s, default 5m.
        public var interval: Duration
        /// `probes.failures`: consecutive failed probes before a notice; 1…100, default 3.
        public var failures: Int
        /// `probes.stuck_after`: events waiting this long on a destination Synapse calls healthy are announced;
        /// at least 1m, default 30m.
        public var stuckAfter: Duration
        /// `probes.auto_reset`: reset Synapse's backoff once probes succeed again; default false.
        public var autoReset: Bool

        public static let defaultInterval = Duration.seconds(300)
        public static let minimumInterval = Duration.seconds(10)
        public static let defaultFailures = 3
        public static let failuresRange = 1...100
        public static let topSharedRange = 0...1000
        public static let defaultStuckAfter = Duration.seconds(1800)
        public static let minimumStuckAfter = Duration.seconds(60)

        public init(
            servers: [Glob] = [], topShared: Int = 0, interval: Duration = defaultInterval,
            failures: Int = defaultFailures, stuckAfter: Duration = defaultStuckAfter, autoReset: Bool = false
        ) {
            self.servers = servers
            self.topShared = topShared
            self.interval = interval
            self.failures = failures
            self.stuckAfter = stuckAfter
            self.autoReset = autoReset
        }

        /// Whether anything is probed at all (no names, no globs and `top_shared: 0` turn probing off).
        public var isEnabled: Bool { !servers.isEmpty || topShared > 0 }

        /// The names to probe: each plain name in `servers`, each known destination a glob matches, and the
        /// top shared ones; sorted, without repeats, invalid
        /// names dropped.
        public func targets(known: [String], topShared top: [String]) -> [ServerName] {
            var names: Set<String> = []
            for pattern in servers {
                if pattern.hasWildcards {
                    for name in known where pattern.matches(name) { names.insert(name) }
                } else {
                    names.insert(pattern.pattern)
                }
            }
            for name in top.prefix(topShared) { names.insert(name) }
            return names.sorted().compactMap(ServerName.init)
        }
    }
}
