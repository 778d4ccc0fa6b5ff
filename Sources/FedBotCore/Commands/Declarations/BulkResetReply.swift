public import FedBotModels

/// Resetting several servers at once: `reset --failing [GLOB]`, or 🔁 on a grouped notice.
public enum BulkReset {
    /// More servers than this are asked about first.
    public static let confirmAbove = 5
    /// How long the ✅ that confirms may take.
    public static let confirmWithin: Duration = .seconds(120)
    /// The pause between two resets: a few per second at most.
    public static let pause: Duration = .milliseconds(300)
    /// The key that confirms.
    public static let confirmKey = "✅"

    static func isGlobCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "-.:[]*?".contains(character))
    }
}

/// "Reset 12 servers? React ✅ within 2 minutes (only @alice's ✅ counts)."
public struct BulkResetPromptReply: RenderableReply {
    public var count: Int
    public var requester: String

    public init(count: Int, requester: String) {
        self.count = count
        self.requester = requester
    }

    public func render(_ context: RenderContext) -> Reply {
        Reply([
            .line(
                "Reset \(bold: CountText.plural(count, "server"))? React \(BulkReset.confirmKey) within 2 minutes (only \(code: requester.truncated(to: 255))'s \(BulkReset.confirmKey) counts)."
            )
        ])
    }
}

/// The summary of a bulk reset: one line per server, cut to fit one event.
public struct BulkResetReply: RenderableReply {
    /// Per server: the outcome, or what went wrong.
    public var results: [(server: ServerName, outcome: Result<ResetOutcome, SynapseAdminError>)]
    /// Who asked (nil from a shell).
    public var by: String?
    /// The pattern, for `reset --failing GLOB`.
    public var glob: Glob?

    public init(
        results: [(server: ServerName, outcome: Result<ResetOutcome, SynapseAdminError>)], by: String?,
        glob: Glob? = nil
    ) {
        self.results = results
        self.by = by
        self.glob = glob
    }

    public func render(_ context: RenderContext) -> Reply {
        guard !results.isEmpty else {
            let what: Inline = glob.map { "No failing server matches \(code: $0.pattern)" } ?? "No server is failing"
            return Reply([.line("ℹ️ " + what + ": nothing to reset.")])
        }
        let reset = results.count { (try? $0.outcome.get()) == .reset }
        let idle = results.count { (try? $0.outcome.get()) == .notInBackoff }
        let failed = results.count - reset - idle
        let who: Inline = by.map { " by \(code: $0.truncated(to: 255))" } ?? ""
        var summary: Inline =
            "🔁 Reset \(bold: CountText.plural(results.count, "server"))" + who + ": \(CountText.format(reset)) reset"
        if idle > 0 { summary = summary + ", \(CountText.format(idle)) not in backoff" }
        if failed > 0 { summary = summary + ", \(CountText.format(failed)) failed" }
        let items = results.map { result -> Inline in
            switch result.outcome {
            case .success(.reset): "🔄 \(code: result.server.rawValue): Synapse retries it now"
            case .success(.notInBackoff): "ℹ️ \(code: result.server.rawValue): not in backoff"
            case .failure(let error):
                "⚠️ \(code: result.server.rawValue): \(error.description.truncated(to: ErrorReply.maximumDetailLength))"
            }
        }
        let (shown, reply) = Reply.fitting(items.count, offset: 0) { shown in
            var blocks: [Block] = [.line(summary + "."), .bullets(Array(items[..<shown]))]
            if shown < items.count {
                blocks.append(
                    .line(
                        "… \(CountText.format(items.count - shown)) more; \(context.command("list", "failing")) shows what is still failing."
                    ))
            } else {
                blocks.append(.line("The notices are edited when they recover."))
            }
            return Reply(blocks)
        }
        _ = shown
        return reply
    }
}
