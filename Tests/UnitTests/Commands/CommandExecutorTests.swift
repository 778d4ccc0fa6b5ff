import FedBotCore
import FedBotModels
import FedBotRuntime
import Logging
import MatrixClient
import SynapseAdmin
import Testing

/// The executor takes parsed actions and only gathers data: what it answers without the network, and
/// that a reply is Core's rendering of what Synapse said. Scripted transport; the real thing is in
/// IntegrationTests.
@Suite struct CommandExecutorTests {
    typealias Transport = HomeserverConnectionTests.ScriptedTransport
    static let now = Timestamp(milliseconds: 1_795_519_500_000)

    func executor(_ transport: Transport) -> CommandExecutor {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let connection = HomeserverConnection(
            baseURL: "https://hs.example/", accessToken: "secret-token", transport: transport, logger: logger)
        return CommandExecutor(
            admin: SynapseAdminClient(connection: connection), matrix: nil, prefix: "!fed", watcher: nil,
            logger: logger, now: { Self.now })
    }

    @Test func aMessageIsParsedByCoreAndOnlyAnActionRuns() async throws {
        let transport = Transport([])
        let executor = executor(transport)
        #expect(await executor.run(parsed: executor.parser.parse(message: "hello")) == nil)
        let refused = try #require(await executor.run(parsed: executor.parser.parse(message: "!fed show")))
        #expect(refused.outcome == .usageError)
        #expect(refused.command == .show)
        #expect(refused.reply.plain == "⚠️ SERVER is missing. Usage: !fed show SERVER")
        #expect(transport.requests.isEmpty)
    }

    @Test func helpWithoutTheWatcherLeavesOutItsCommands() async {
        let transport = Transport([])
        let execution = await executor(transport).run(.help(topic: nil))
        #expect(execution.outcome == .ok)
        #expect(execution.command == .help)
        let context = RenderContext(prefix: "!fed", now: Self.now)
        #expect(execution.reply == HelpReply(topic: nil, watcherEnabled: false).render(context))
        #expect(transport.requests.isEmpty)
    }

    @Test(arguments: CommandSpec.all.filter(\.needsWatcher).map(\.name))
    func commandsThatNeedTheWatcherAnswerBeforeAnyRequest(_ name: CommandName) async throws {
        let spec = try #require(CommandSpec.named(name.rawValue))
        let transport = Transport([])
        let server = spec.positionals.contains { !$0.isOptional } ? ["example.org"] : []
        let execution = await executor(transport).run(words: [name.rawValue] + server)
        #expect(execution.outcome == .usageError)
        #expect(execution.command == name)
        #expect(
            execution.reply.plain
                == (name == .incidents
                    ? "ℹ️ Notices are off here (no notices.rooms configured), so there are no incidents."
                    : "ℹ️ Notices are off here (no notices.rooms configured), so there is nothing to \(name)."))
        #expect(transport.requests.isEmpty)
    }

    @Test func showRendersWhatSynapseSaid() async throws {
        let transport = Transport([
            .respond(
                200,
                #"{"destination":"dead.example","retry_last_ts":1795519140000,"retry_interval":600000,"failure_ts":1795511520000,"last_successful_stream_ordering":1234}"#
            ),
            .respond(
                200,
                #"{"rooms":[{"room_id":"!a:example.org","stream_ordering":1},{"room_id":"!b:example.org","stream_ordering":1300},{"room_id":"!c:example.org","stream_ordering":2000}],"total":3}"#
            ),
        ])
        let server = try #require(ServerName("dead.example"))
        let execution = await executor(transport).run(.show(server))
        let destination = Destination(
            destination: "dead.example", retryLastTs: 1_795_519_140_000, retryInterval: 600_000,
            failureTs: 1_795_511_520_000, lastSuccessfulStreamOrdering: 1234)
        let context = RenderContext(prefix: "!fed", now: Self.now)
        #expect(execution.outcome == .ok)
        #expect(execution.command == .show)
        // Two of the three shared rooms have events queued after the last delivery (stream position 1234).
        let backlog = DeliveryBacklog(sharedRooms: 3, waiting: .exactly(2), roomsRead: 3)
        #expect(execution.reply == ShowReply(destination: destination, backlog: backlog).render(context))
        #expect(execution.reply.plain.contains("\n• 2 shared rooms have events waiting for delivery\n"))
        #expect(transport.requests.count == 2)
    }

    static let deadRow =
        #"{"destination":"dead.example","retry_last_ts":1795519140000,"retry_interval":600000,"failure_ts":1795511520000,"last_successful_stream_ordering":1234}"#

    @Test("show: the contact from the check engine; a check slower than the short wait says not checked yet")
    func showContact() async throws {
        let server = try #require(ServerName("dead.example"))
        let diagnosis = ScriptedDiagnosis()
        diagnosis.set("dead.example", ScriptedDiagnosis.refused("dead.example"))
        var quick = executor(Transport([.respond(200, Self.deadRow), .respond(200, #"{"rooms":[],"total":0}"#)]))
        quick.contacts = diagnosis
        quick.pause = { _ in try? await Task.sleep(for: .seconds(30)) }
        let answered = await quick.run(.show(server))
        #expect(
            answered.reply.plain.contains(
                "\n• Contact: @admin:b.example (admin); support page https://b.example/support\n"),
            "\(answered.reply.plain)")

        diagnosis.hold()
        var slow = executor(Transport([.respond(200, Self.deadRow), .respond(200, #"{"rooms":[],"total":0}"#)]))
        slow.contacts = diagnosis
        slow.pause = { _ in }
        let late = await slow.run(.show(server))
        #expect(late.outcome == .ok)
        #expect(late.reply.plain.contains("\n• Contact: not checked yet (!fed check dead.example)\n"))
        diagnosis.release()
        #expect(diagnosis.checks(of: "dead.example") == 2)
    }
}
