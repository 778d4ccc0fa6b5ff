public import FedBotModels

extension CommandName {
    public static let reset: CommandName = "reset"
}

extension CommandSpec {
    /// `reset SERVER` or `reset --failing [GLOB]`
    public static let reset = CommandSpec(
        name: .reset, positionals: [.required("SERVER")], options: [.failing], summary: "retry a failing server now",
        details: [
            "Clears Synapse's retry backoff for SERVER so that it is tried again at once.",
            "Only a failing server can be reset; I check again shortly after and report the result.",
            "--failing resets every failing server (or those matching GLOB, like *.example.org); more than 5 need a ✅ from you first.",
            "A 🔁 reaction on a failure notice does the same.",
        ], failure: "Could not reset", usage: "SERVER | --failing [GLOB]"
    ) { (arguments: inout Arguments) throws(CommandError) -> Action in
        guard arguments.flag(.failing) else { return .reset(try arguments.server()) }
        guard let word = arguments.nextPositional() else { return .resetFailing(nil) }
        guard word.utf8.count <= 255, word.allSatisfy(BulkReset.isGlobCharacter) else {
            throw arguments.error(
                "GLOB may contain only letters, digits, '-', '.', ':', '[', ']', '*' and '?', got \(CommandParser.shown(word))"
            )
        }
        return .resetFailing(Glob(word))
    }
}

/// A `reset` reply: what Synapse did.
public struct ResetReply: RenderableReply {
    public var server: ServerName
    public var outcome: ResetOutcome
    /// The destination as it was before the reset, when it was looked up.
    public var before: Destination?
    /// Who asked, named in the reply when the reset came from a reaction (nil for commands).
    public var by: String?

    public init(server: ServerName, outcome: ResetOutcome, before: Destination?, by: String? = nil) {
        self.server = server
        self.outcome = outcome
        self.before = before
        self.by = by
    }

    /// After a real reset, check the destination again shortly and report.
    public var followUp: FollowUp? {
        guard outcome == .reset else { return nil }
        return .recheckAfterReset(server: server, previousFailure: before?.failureTs.map(Timestamp.init(milliseconds:)))
    }

    public func render(_ context: RenderContext) -> Reply {
        switch outcome {
        case .reset:
            var line: Inline =
                by.map { "🔁 \(bold: server.rawValue) reset by \(code: $0.truncated(to: 255)): Synapse retries it now" }
                ?? "🔄 Reset \(bold: server.rawValue): Synapse retries it now"
            if let since = before?.failureTs.map({ Timestamp(milliseconds: $0) }) {
                line = line + " (it was failing for \(HealthText.age(since, context.now)))"
            }
            return Reply([.line(line + ". I will check again in a few seconds.")])
        case .notInBackoff:
            return Reply([
                .line(
                    "ℹ️ \(bold: server.rawValue) is not in backoff: nothing to reset. Synapse retries it whenever it has something to send."
                )
            ])
        }
    }
}

/// The follow-up after a reset: the destination re-checked.
public struct ResetFollowUpReply: RenderableReply {
    public var server: ServerName
    /// The destination after the reset.
    public var after: Destination
    /// `failure_ts` before the reset. If the same value is back, the reset was undone (a request to a
    /// hung server that was in flight timed out afterwards). Compared as Synapse's own value, so clock
    /// differences between the bot and Synapse do not matter.
    public var previousFailure: Timestamp?

    public init(server: ServerName, after: Destination, previousFailure: Timestamp?) {
        self.server = server
        self.after = after
        self.previousFailure = previousFailure
    }

    public func render(_ context: RenderContext) -> Reply {
        let health = after.health(at: context.now)
        switch health {
        case .healthy:
            return Reply([
                .line(
                    "✅ \(bold: server.rawValue): no failure since the reset, federation with it looks healthy again.")
            ])
        case .failing(let since, _, _), .recovering(let since, _):
            let first: Inline
            if since == previousFailure {
                // A request to a hung server that was in flight during the reset timed out afterwards and
                // put the old failure back.
                first =
                    "🔴 \(bold: server.rawValue) is still failing: a request to it that was in flight timed out after the reset and restored the failure from \(TimeText.short(since, now: context.now))."
            } else {
                first =
                    "🔴 \(bold: server.rawValue) failed again at \(TimeText.short(since, now: context.now)): it is still unreachable from here."
            }
            return Reply([
                .line(first),
                .line(
                    "\(HealthText.summary(health, now: context.now).capitalizedFirst). \(context.command("show", server.rawValue)) has the details."
                ),
            ])
        }
    }
}

extension String {
    /// The string with its first character upper-cased.
    var capitalizedFirst: String {
        guard let first else { return self }
        return first.uppercased() + dropFirst()
    }
}
