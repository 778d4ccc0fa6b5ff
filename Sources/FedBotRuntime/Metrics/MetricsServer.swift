import FedBotCore
import FedBotModels
import Foundation
public import Hummingbird
public import Logging
import MatrixClient
import NIOCore

/// The optional `metrics.listen` endpoint: `/metrics` (Prometheus text format) and `/healthz`
/// (200 while syncing works, 503 otherwise).
public enum MetricsServer {
    /// `/healthz` fails when the last successful sync is older than this (a long-poll is 30 s).
    public static let staleAfter: Duration = .seconds(90)

    public static func make(
        address: ListenAddress, metrics: FedBotMetrics, health: BotHealth, outbox: Outbox, clock: any BotClock,
        logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            let pending = try? await outbox.pendingCount()
            let text = metrics.render(lastSync: health.lastSync, now: clock.now, outboxPending: pending)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/healthz") { _, _ -> Response in
            let (healthy, detail) = Self.health(health, now: clock.now)
            return Response(
                status: healthy ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: detail + "\n")))
        }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(address.host, port: address.port), serverName: "fedbot"),
            logger: logger)
    }

    /// Healthy while the last sync succeeded within `staleAfter`.
    static func health(_ health: BotHealth, now: Timestamp) -> (Bool, String) {
        guard let last = health.lastSync else {
            return (false, "starting: no successful sync yet" + (health.lastSyncError.map { " (\($0))" } ?? ""))
        }
        let age = now - last
        if age > staleAfter {
            return (
                false,
                "sync stale: last success \(DurationText.format(age)) ago"
                    + (health.lastSyncError.map { " (\($0))" } ?? "")
            )
        }
        return (true, "ok: last sync \(DurationText.format(max(.zero, age))) ago")
    }
}
