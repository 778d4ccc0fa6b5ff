import FedBotCore
import FedBotModels
import Testing

extension ReplyRendering {
    /// Admin API failures.
    @Suite struct ErrorReplyTests {
        @Test func errorUnknownDestinationWithSuggestions() {
            let command = Action.show(server("dead.exmaple"))
            let reply = ErrorReply(
                action: command, error: .unknownDestination("dead.exmaple"),
                suggestions: ["dead.example", "Dead.example"]
            ).render(context)
            #expect(
                reply.plain
                    == "⚠️ Could not show dead.exmaple: dead.exmaple is not a known destination (Synapse has never federated with it; names are case-sensitive). Did you mean dead.example or Dead.example?"
            )
            #expect(
                reply.html
                    == "<p>⚠️ Could not show dead.exmaple: dead.exmaple is not a known destination (Synapse has never federated with it; names are case-sensitive). Did you mean <code>dead.example</code> or <code>Dead.example</code>?</p>"
            )
            let many = ErrorReply(action: command, error: .unknownDestination("x"), suggestions: ["a", "b", "c", "d"])
                .render(context)
            #expect(many.plain.hasSuffix(". Did you mean a, b or c?"))
            let none = ErrorReply(action: command, error: .unknownDestination("x")).render(context)
            #expect(
                none.plain
                    == "⚠️ Could not show dead.exmaple: x is not a known destination (Synapse has never federated with it; names are case-sensitive)"
            )
        }

        @Test func errorNotServerAdmin() {
            let reply = ErrorReply(action: .list(ListOptions()), error: .notServerAdmin).render(context)
            #expect(
                reply.plain
                    == "⚠️ Could not list destinations: the admin token's user is not a server admin: make the bot account an admin or set admin_api.access_token"
            )
            #expect(
                reply.html
                    == "<p>⚠️ Could not list destinations: the admin token&#39;s user is not a server admin: make the bot account an admin or set admin_api.access_token</p>"
            )
            let reset = ErrorReply(action: .reset(server("dead.example")), error: .notServerAdmin).render(context)
            #expect(
                reset.plain.hasPrefix("⚠️ Could not reset dead.example: the admin token's user is not a server admin"))
        }
    }
}
