public import FedBotModels
import FederationCheck

/// `check SERVER` for the executor and the CLI: the checker made from `diagnostics.*`, and a short cache so
/// that a server checked twice within a minute answers at once (the reply says it came from the cache).
public struct Diagnosis: Sendable {
    let checker: Result<FederationChecker, FederationChecker.SetupError>
    let cache: CheckCache
    let now: @Sendable () -> Timestamp

    /// How long a report is reused.
    public static let cacheAge = Duration.seconds(60)

    public init(config: FedBotConfig.Diagnostics, now: @escaping @Sendable () -> Timestamp = Timestamp.now) {
        let options = FederationChecker.Options(
            resolver: config.resolver, caFile: config.caFile, timeout: config.timeout, allowRanges: config.allowRanges)
        do {
            checker = .success(try FederationChecker(options: options))
        } catch {
            checker = .failure(error)
        }
        cache = CheckCache(maximumAge: Self.cacheAge)
        self.now = now
    }

    /// The report for `server`: from the cache when younger than a minute, else a fresh check.
    public func report(_ server: ServerName) async -> CheckReport {
        if var cached = await cache.report(for: server.rawValue, now: now()) {
            cached.cached = true
            return cached
        }
        let report: CheckReport
        switch checker {
        case .success(let checker):
            report = await checker.check(server)
        case .failure(let error):
            report = CheckReport(
                server: server.rawValue, verdict: .red, check: .name, says: "cannot check: \(error.description)",
                discovery: nil, findings: [], addresses: [], support: nil, checkedAt: now().milliseconds,
                durationMilliseconds: 0)
            return report
        }
        await cache.store(report, now: now())
        return report
    }
}

/// Reports by server name, each kept for `maximumAge`; at most 256.
actor CheckCache {
    let maximumAge: Duration
    private var entries: [String: (report: CheckReport, storedAt: Timestamp)] = [:]

    init(maximumAge: Duration) {
        self.maximumAge = maximumAge
    }

    func report(for server: String, now: Timestamp) -> CheckReport? {
        guard let entry = entries[server], now - entry.storedAt < maximumAge else { return nil }
        return entry.report
    }

    func store(_ report: CheckReport, now: Timestamp) {
        entries = entries.filter { now - $0.value.storedAt < maximumAge }
        if entries.count >= 256, let oldest = entries.min(by: { $0.value.storedAt < $1.value.storedAt }) {
            entries[oldest.key] = nil
        }
        entries[report.server] = (report, now)
    }
}
