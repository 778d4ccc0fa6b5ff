import FedBotCore
import FedBotModels
import Testing

extension ReplyRendering {
    /// Every string a server sends (destination names, room names, aliases and IDs, the Synapse version,
    /// error messages) loses control and bidi-override characters in both bodies: a newline would add a
    /// fake line to the plain body (what notifications show), an override would reorder what a client shows.
    @Suite struct ServerTextTests {
        static let hostile = "evil\n⚠️ fake line\u{202E}gro.elpmaxe\u{2066}x\u{0007}y"
        static let unsafe: [Character] = ["\n", "\u{202E}", "\u{2066}", "\u{0007}"]

        func expectClean(
            _ reply: Reply, lines: Int, named: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
        ) {
            for character in Self.unsafe {
                #expect(!reply.html.contains(character), "\(reply.html)", sourceLocation: sourceLocation)
            }
            for character in Self.unsafe.dropFirst() {
                #expect(!reply.plain.contains(character), "\(reply.plain)", sourceLocation: sourceLocation)
            }
            #expect(reply.plain.split(separator: "\n").count == lines, "\(reply.plain)", sourceLocation: sourceLocation)
            if named {
                #expect(reply.plain.contains("evil ⚠️ fake line gro.elpmaxe x y"), sourceLocation: sourceLocation)
            }
        }

        var failing: Destination {
            Destination(
                destination: Self.hostile, retryLastTs: ago(minute), retryInterval: hour, failureTs: ago(hour),
                lastSuccessfulStreamOrdering: 5)
        }

        @Test func list() {
            let plan = ListPlan(options: ListOptions(), failing: [failing], total: 2, placement: .high)
            let reply = ListReply(plan: plan, rows: [failing, healthy(Self.hostile)]).render(context)
            expectClean(reply, lines: 3)
        }

        @Test func show() {
            expectClean(ShowReply(destination: failing, sharedRooms: 3).render(context), lines: 6)
        }

        @Test func resetFollowUp() {
            let reply = ResetFollowUpReply(
                server: server("example.org"), after: failing, previousFailure: Timestamp(milliseconds: ago(hour))
            ).render(context)
            expectClean(reply, lines: 2, named: false)
        }

        @Test func incidents() {
            let reply = IncidentsReply(incidents: [IncidentSummary(server: Self.hostile, since: now, announced: true)])
                .render(context)
            expectClean(reply, lines: 2)
        }

        @Test func rooms() {
            let room = RoomsReply.Room(roomID: "!\(Self.hostile)", name: Self.hostile, alias: "#\(Self.hostile)")
            let reply = RoomsReply(server: server("example.org"), total: 1, rooms: [room], paging: Paging())
                .render(context)
            expectClean(reply, lines: 2)
        }

        @Test func statusWithSynapseVersionAndError() {
            let reply = StatusReply(
                homeserver: .ok("Synapse \(Self.hostile)"), adminAPI: .failed(Self.hostile), federation: nil,
                watcherEnabled: false, lastPoll: nil, openIncidents: nil, mutedServers: nil
            ).render(context)
            expectClean(reply, lines: reply.plain.split(separator: "\n").count)
        }

        @Test func errorsFromSynapse() {
            for error: SynapseAdminError in [
                .badRequest(errcode: "M_\(Self.hostile)", message: Self.hostile),
                .serverError(status: 500, message: Self.hostile), .unknownDestination(Self.hostile),
                .transport(Self.hostile), .invalidResponse(Self.hostile),
            ] {
                let reply = ErrorReply(
                    action: .show(server("example.org")), error: error, suggestions: [Self.hostile]
                ).render(context)
                expectClean(reply, lines: 1)
            }
        }

        /// A Synapse error body can be as long as the proxy in front of it likes: the reply stays small.
        @Test func hugeErrorMessagesFromSynapseAreCut() {
            let huge = String(repeating: "e", count: 100_000)
            for error: SynapseAdminError in [
                .badRequest(errcode: huge, message: huge), .serverError(status: 500, message: huge),
                .transport(huge), .invalidResponse(huge), .unknownDestination(huge),
            ] {
                let reply = ErrorReply(action: .show(server("example.org")), error: error, suggestions: [huge, huge])
                    .render(context)
                #expect(reply.plain.utf8.count < 2048 && reply.html.utf8.count < 2048)
                #expect(reply.plain.hasPrefix("⚠️ Could not show example.org: "))
            }
            let status = StatusReply(
                homeserver: .failed(huge), adminAPI: .ok("Synapse \(huge)"), federation: nil, watcherEnabled: false,
                lastPoll: nil, openIncidents: nil, mutedServers: nil
            ).render(context)
            #expect(status.plain.utf8.count < 2048 && status.html.utf8.count < 2048)
        }
    }
}
