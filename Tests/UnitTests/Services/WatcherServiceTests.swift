import FedBotCore
import FedBotModels
import Foundation
import MatrixClient
import Testing

@testable import FedBotRuntime

/// The watcher inside the whole bot over a scripted homeserver and a manual clock.
@Suite struct WatcherServiceTests {
    @Test("the watcher polls at start and then every notices.interval; its baseline notice goes out once")
    func pollInterval() async throws {
        var test = try TestBot()
        defer { test.cleanUp() }
        test.config.notices.rooms = [.id(Fixture.Lab.adminRoom)]
        test.config.notices.interval = .seconds(60)
        try test.scriptStartUp()
        test.homeserver.on(.get, "/rooms", repeating: try Fixture.response("destination-rooms"))
        test.homeserver.on(.get, "/federation/destinations", repeating: try Fixture.response("destinations-failing"))
        test.homeserver.on(.put, "/send/", repeating: try Fixture.response("send"))
        let bot = try await test.startReady()
        try await eventually("the first poll's notice is sent") {
            test.sentTransactions.contains { $0.hasPrefix("fedbot.notice.") }
        }
        try await eventually("the watcher waits for the next poll") { test.clock.pendingSleeps.contains(.seconds(60)) }
        let scans = test.homeserver.requests(.get, "/federation/destinations").count
        test.clock.advance(by: .milliseconds(59_999))
        try await Task.sleep(for: .milliseconds(20))
        #expect(test.homeserver.requests(.get, "/federation/destinations").count == scans)
        test.clock.advance(by: .milliseconds(1))
        try await eventually("the second poll scans") {
            test.homeserver.requests(.get, "/federation/destinations").count > scans
        }
        try await Task.sleep(for: .milliseconds(20))
        #expect(test.sentTransactions.filter { $0.hasPrefix("fedbot.notice.") }.count == 1)
        #expect(await bot.stop() == nil)
    }
}
