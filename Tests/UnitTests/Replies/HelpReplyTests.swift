import FedBotCore
import FedBotModels
import Testing

extension ReplyRendering {
    /// `help`, and usage errors.
    @Suite struct HelpReplyTests {
        // MARK: help, usage, errors

        @Test func helpOverview() {
            let reply = HelpReply(topic: nil).render(context)
            #expect(
                reply.plain == """
                    fedbot watches this homeserver's federation. Commands:
                    • !fed list — destinations, failing first
                    • !fed show — one destination in detail
                    • !fed rooms — rooms shared with a server
                    • !fed reset — retry a failing server now
                    • !fed status — bot and homeserver health
                    • !fed mute — no failure notices for a server (default 24h)
                    • !fed unmute — notices for a server again
                    • !fed incidents — open incidents, who acknowledged or muted them
                    • !fed ack — acknowledge an open incident: no reminders
                    • !fed check — diagnose federation with a server from my host
                    • !fed probes — the actively probed servers, last result and latency
                    Details: !fed help COMMAND. SERVER can be example.org, a user ID or a matrix.to link.
                    """)
            #expect(
                reply.html
                    == "<p><b>fedbot</b> watches this homeserver&#39;s federation. Commands:</p><ul>"
                    + "<li><code>!fed list</code> — destinations, failing first</li>"
                    + "<li><code>!fed show</code> — one destination in detail</li>"
                    + "<li><code>!fed rooms</code> — rooms shared with a server</li>"
                    + "<li><code>!fed reset</code> — retry a failing server now</li>"
                    + "<li><code>!fed status</code> — bot and homeserver health</li>"
                    + "<li><code>!fed mute</code> — no failure notices for a server (default 24h)</li>"
                    + "<li><code>!fed unmute</code> — notices for a server again</li>"
                    + "<li><code>!fed incidents</code> — open incidents, who acknowledged or muted them</li>"
                    + "<li><code>!fed ack</code> — acknowledge an open incident: no reminders</li>"
                    + "<li><code>!fed check</code> — diagnose federation with a server from my host</li>"
                    + "<li><code>!fed probes</code> — the actively probed servers, last result and latency</li>"
                    + "</ul><p>Details: <code>!fed help COMMAND</code>. SERVER can be example.org, a user ID or a matrix.to link.</p>"
            )
            // Without the watcher: only the commands that work.
            let short = HelpReply(topic: nil, watcherEnabled: false).render(context)
            #expect(!short.plain.contains("mute") && !short.plain.contains("incidents"))
            #expect(short.plain.split(separator: "\n").count == 8)
        }

        @Test func helpForOneCommand() {
            let reply = HelpReply(topic: .list).render(context)
            #expect(
                reply.plain == """
                    !fed list [failing|healthy|all] [TEXT] [--sort name|failure|retry|last-success] [--desc] [--limit N] [--page N]
                    Destinations, failing first.
                    Counts first, then at most 20 destinations: failing ones first (oldest failure first), then the others by name.
                    TEXT keeps names containing it (case-insensitive).
                    --sort orders by name, failure time, retry interval or last successful delivery; --desc reverses.
                    --limit takes 1 to 1000, --page counts from 1.
                    """)
            #expect(
                reply.html
                    == "<p><code>!fed list [failing|healthy|all] [TEXT] [--sort name|failure|retry|last-success] [--desc] [--limit N] [--page N]</code></p>"
                    + "<p>Destinations, failing first.</p>"
                    + "<p>Counts first, then at most 20 destinations: failing ones first (oldest failure first), then the others by name.</p>"
                    + "<p>TEXT keeps names containing it (case-insensitive).</p>"
                    + "<p>--sort orders by name, failure time, retry interval or last successful delivery; --desc reverses.</p>"
                    + "<p>--limit takes 1 to 1000, --page counts from 1.</p>")
            let reset = HelpReply(topic: .reset).render(RenderContext(prefix: "!federation", now: now))
            #expect(
                reset.plain == """
                    !federation reset SERVER | --failing [GLOB]
                    Retry a failing server now.
                    Clears Synapse's retry backoff for SERVER so that it is tried again at once.
                    Only a failing server can be reset; I check again shortly after and report the result.
                    --failing resets every failing server (or those matching GLOB, like *.example.org); more than 5 need a ✅ from you first.
                    A 🔁 reaction on a failure notice does the same.
                    """)
            for command in CommandSpec.all {
                let help = HelpReply(topic: command).render(context)
                expectWellFormed(help)
                #expect(help.plain.split(separator: "\n").count <= 6, "\(command.name): fits a phone screen")
            }
        }

        @Test func usageErrorShowsTheUsageAsCode() throws {
            let parser = CommandParser()
            let error = try usage(parser, "!fed show")
            let reply = UsageReply(error).render(context)
            #expect(reply.plain == "⚠️ SERVER is missing. Usage: !fed show SERVER")
            #expect(reply.html == "<p>⚠️ SERVER is missing. Usage: <code>!fed show SERVER</code></p>")
            let unknown = UsageReply(try usage(parser, "!fed lst")).render(context)
            #expect(unknown.plain == "⚠️ I don't know \"lst\". Did you mean !fed list? (!fed help lists all)")
            #expect(
                unknown.html
                    == "<p>⚠️ I don&#39;t know &quot;lst&quot;. Did you mean <code>!fed list</code>? (<code>!fed help</code> lists all)</p>"
            )
            // User input with a stray backtick is shown as typed.
            let stray = UsageReply(try usage(parser, "!fed show ex`ample")).render(context)
            #expect(stray.plain == "⚠️ \"ex`ample\" is not \(ServerArgument.expectation). Usage: `!fed show SERVER`")
            #expect(stray.html.contains("&quot;ex`ample&quot;"))
            let sneaky = UsageReply(try usage(parser, "!fed show <b>x</b>")).render(context)
            #expect(sneaky.html.hasPrefix("<p>⚠️ &quot;&lt;b&gt;x&lt;/b&gt;&quot; is not a server name"))
            expectWellFormed(sneaky)
        }

        private func usage(_ parser: CommandParser, _ message: String) throws -> CommandError {
            let result = try #require(parser.parse(message: message))
            guard case .failure(let error) = result else { throw Failure.parsed(message) }
            return error
        }

        private enum Failure: Error { case parsed(String) }
    }
}
