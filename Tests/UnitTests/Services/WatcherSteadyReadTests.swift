import FedBotCore
import FedBotModels
import Foundation
import MatrixClient
import SynapseAdmin
import Synchronization
import Testing

@testable import FedBotRuntime

/// The watcher's steady read inside the whole bot: after the first poll it reads only new failures (≤ 2
/// destination-list requests a poll, none of them the whole failing section), finds a failure added between
/// polls, and reads every failing row again once `consistencyEvery` (10 minutes) has passed.
@Suite struct WatcherSteadyReadTests {
    /// The destinations table, changed by the test while the bot polls it.
    final class Server: Sendable {
        let table: Mutex<SteadyScanTests.Table>
        init(_ table: SteadyScanTests.Table) { self.table = Mutex(table) }
    }

    /// A query-aware destination list over `SteadyScanTests.Table` (SQL order, NULLs low or high).
    static func answer(_ server: Server, _ request: ScriptedHomeserver.Request) -> HTTPResponse {
        var query = DestinationQuery()
        for pair in request.query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "from": query.from = Int(parts[1]) ?? 0
            case "limit": query.limit = Int(parts[1]) ?? 100
            case "dir": query.direction = parts[1] == "b" ? .backward : .forward
            case "order_by": query.orderBy = parts[1] == "failure_ts" ? .failureTs : .destination
            default: break
            }
        }
        let page = server.table.withLock { $0.page(query) }
        let rows = page.destinations.map { row in
            #"{"destination":"\#(row.destination)","retry_last_ts":0,"retry_interval":0,"failure_ts":\#(row.failureTs.map(String.init) ?? "null"),"last_successful_stream_ordering":null}"#
        }
        let next = page.nextToken.map { #","next_token":"\#($0)""# } ?? ""
        return ScriptedHomeserver.reply(
            200, #"{"destinations":[\#(rows.joined(separator: ","))],"total":\#(page.total)\#(next)}"#)
    }

    static func limits(_ requests: [ScriptedHomeserver.Request]) -> [Int] {
        requests.compactMap { request in
            request.query.split(separator: "&").first { $0.hasPrefix("limit=") }.flatMap { Int($0.dropFirst(6)) }
        }
    }

    @Test(arguments: [NullPlacement.low, .high])
    func steadyRead(placement: NullPlacement) async throws {
        var test = try TestBot()
        defer { test.cleanUp() }
        test.config.notices.rooms = [.id(Fixture.Lab.adminRoom)]
        test.config.notices.interval = .seconds(60)
        try test.scriptStartUp()
        let server = Server(SteadyScanTests.Table.lab(placement))
        test.homeserver.answer(.get, "/federation/destinations") { Self.answer(server, $0) }
        test.homeserver.on(.get, "/rooms", repeating: try Fixture.response("destination-rooms"))
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        let bot = try await test.startReady()
        let store = try test.openStore()
        // The watcher's failing reads (the activity walk, by name in pages of 1,000, is not part of a poll).
        let list = {
            test.homeserver.requests(.get, "/federation/destinations").filter {
                !$0.path.hasSuffix("/rooms") && $0.query.contains("order_by=failure_ts")
            }
        }
        try await eventually("the first poll takes the baseline") {
            try await store.watcherState().incidents.count == 300
        }
        try await eventually("the watcher waits for the next poll") { test.clock.pendingSleeps.contains(.seconds(60)) }
        // The first poll read the failing section (300 rows) in a page sized for it.
        #expect(Self.limits(list()).contains { $0 >= 300 })
        for minute in 1...10 {
            let before = list().count
            if minute == 3 {
                server.table.withLock { $0.rows["new.example"] = SteadyScanTests.Change.cursor + 1 }
            }
            test.clock.advance(by: .seconds(60))
            try await eventually("poll \(minute) ends") {
                list().count > before && test.clock.pendingSleeps.contains(.seconds(60))
            }
            let made = Array(list().dropFirst(before))
            if minute < 10 {
                #expect(made.count <= 2, "poll \(minute): \(made.count) requests")
                #expect(Self.limits(made).allSatisfy { $0 < 300 }, "poll \(minute): \(Self.limits(made))")
            } else {
                // Ten minutes after the first full scan: every failing row again.
                #expect(Self.limits(made).contains { $0 >= 300 }, "poll \(minute): \(Self.limits(made))")
            }
            if minute == 3 {
                try await eventually("the new failure is an incident") {
                    try await store.watcherState().incidents["new.example"] != nil
                }
            }
        }
        #expect(await bot.stop() == nil)
    }
}
