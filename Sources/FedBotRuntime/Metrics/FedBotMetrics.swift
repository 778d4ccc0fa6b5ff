public import FedBotModels
public import MatrixClient
import Prometheus

/// fedbot's Prometheus metrics, in its own registry (no global state: tests can make as many as they like).
public final class FedBotMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    private let destinationsFailing: Gauge
    private let destinationsHealthy: Gauge
    private let openIncidents: Gauge
    private let outboxPending: Gauge
    private let outboxFailed: Counter
    private let syncLag: Gauge
    private let adminAPIDuration: DurationHistogram
    private let sendDuration: DurationHistogram
    private let syncDuration: DurationHistogram
    private let pollDuration: DurationHistogram

    static let buckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
        .seconds(5), .seconds(10),
    ]

    /// A descriptor for the full metric name (the library splits names into parts we do not need).
    static func describe(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    public init() {
        destinationsFailing = registry.makeGauge(
            descriptor: Self.describe(
                "fedbot_destinations", "Federation destinations by state, as of the last watcher poll or list."),
            labels: [("state", "failing")])
        destinationsHealthy = registry.makeGauge(
            descriptor: Self.describe(
                "fedbot_destinations", "Federation destinations by state, as of the last watcher poll or list."),
            labels: [("state", "healthy")])
        openIncidents = registry.makeGauge(
            descriptor: Self.describe("fedbot_open_incidents", "Destinations failing now that the watcher tracks."))
        outboxPending = registry.makeGauge(
            descriptor: Self.describe("fedbot_outbox_pending", "Messages waiting to be sent."))
        outboxFailed = registry.makeCounter(
            descriptor: Self.describe(
                "fedbot_outbox_failed_total", "Messages the outbox gave up on: `!fed status` lists them by room."))
        syncLag = registry.makeGauge(
            descriptor: Self.describe(
                "fedbot_sync_lag_seconds", "Seconds since the last successful /sync (-1 before the first)."))
        adminAPIDuration = registry.makeDurationHistogram(
            descriptor: Self.describe(
                "fedbot_admin_api_request_duration_seconds", "Duration of requests to the Synapse admin API."),
            buckets: Self.buckets)
        sendDuration = registry.makeDurationHistogram(
            descriptor: Self.describe(
                "fedbot_matrix_send_duration_seconds", "Duration of sending one message (PUT /send)."),
            buckets: Self.buckets)
        syncDuration = registry.makeDurationHistogram(
            descriptor: Self.describe(
                "fedbot_sync_request_duration_seconds", "Duration of /sync requests, long-polls included."),
            buckets: Self.buckets + [.seconds(30), .seconds(60)])
        pollDuration = registry.makeDurationHistogram(
            descriptor: Self.describe("fedbot_watcher_poll_duration_seconds", "Duration of one watcher poll."),
            buckets: Self.buckets)
    }

    /// One command ran with an outcome (`ok`, `usage_error`, `api_error`, `refused`).
    public func commandRan(_ name: String, outcome: String) {
        registry.makeCounter(
            descriptor: Self.describe("fedbot_commands_total", "Commands received, by command and outcome."),
            labels: [("command", name), ("outcome", outcome)]
        ).increment()
    }

    /// The outbox gave up on a message (refused for good, out of retries, or referring to one never sent).
    public func outboxMessageFailed() { outboxFailed.increment() }

    public func notice(kind: String) {
        registry.makeCounter(
            descriptor: Self.describe("fedbot_notices_total", "Watcher notices, edits and thread replies."),
            labels: [("kind", kind)]
        ).increment()
    }

    public func pollFinished(failing: Int, total: Int, openIncidents incidents: Int, duration: Duration, ok: Bool) {
        registry.makeCounter(
            descriptor: Self.describe("fedbot_watcher_polls_total", "Watcher polls by outcome."),
            labels: [("outcome", ok ? "ok" : "error")]
        ).increment()
        guard ok else { return }
        destinationsFailing.set(Double(failing))
        destinationsHealthy.set(Double(max(0, total - failing)))
        openIncidents.set(Double(incidents))
        pollDuration.record(duration)
    }

    public func destinations(failing: Int, total: Int) {
        destinationsFailing.set(Double(failing))
        destinationsHealthy.set(Double(max(0, total - failing)))
    }

    func request(_ request: HTTPRequest, took duration: Duration) {
        if request.url.contains("/_synapse/admin/") {
            adminAPIDuration.record(duration)
        } else if request.method == .put && request.url.contains("/send/") {
            sendDuration.record(duration)
        } else if request.url.contains("/_matrix/client/v3/sync") {
            syncDuration.record(duration)
        }
    }

    /// Sets the gauges that are read at scrape time, then renders the text format.
    public func render(lastSync: Timestamp?, now: Timestamp, outboxPending pending: Int?) -> String {
        syncLag.set(lastSync.map { Double((now - $0).wholeMilliseconds) / 1000 } ?? -1)
        if let pending { outboxPending.set(Double(pending)) }
        return registry.emitToString()
    }
}

/// Times every request on its way through, for the latency histograms.
public struct InstrumentedTransport: HTTPTransport {
    let inner: any HTTPTransport
    let metrics: FedBotMetrics

    public init(_ inner: any HTTPTransport, metrics: FedBotMetrics) {
        self.inner = inner
        self.metrics = metrics
    }

    public func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        let started = ContinuousClock.now
        defer { metrics.request(request, took: ContinuousClock.now - started) }
        return try await inner.perform(request)
    }
}
