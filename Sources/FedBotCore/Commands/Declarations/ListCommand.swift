public import FedBotModels

extension CommandName {
    public static let list: CommandName = "list"
}

extension CommandSpec {
    /// `list [failing|healthy|all] [TEXT] [--sort …] [--desc] [--limit N] [--page N]`
    public static let list = CommandSpec(
        name: .list, positionals: [.optional("failing|healthy|all"), .optional("TEXT")],
        options: [.sort, .descending, .limit, .page], summary: "destinations, failing first",
        details: [
            "Counts first, then at most 20 destinations: failing ones first (oldest failure first), then the others by name.",
            "TEXT keeps names containing it (case-insensitive).",
            "--sort orders by name, failure time, retry interval or last successful delivery; --desc reverses.",
            "--limit takes 1 to 1000, --page counts from 1.",
        ], failure: "Could not list destinations"
    ) { (arguments: inout Arguments) throws(CommandError) -> Action in
        var options = ListOptions(
            sort: arguments.choice(.sort).flatMap(ListSort.init(rawValue:)), descending: arguments.flag(.descending),
            paging: arguments.paging())
        if let word = arguments.peekPositional(), let filter = ListFilter(rawValue: word.lowercased()) {
            _ = arguments.nextPositional()
            options.filter = filter
        }
        if let text = arguments.nextPositional() {
            guard (try? DestinationFilterText.validate(text)) != nil else {
                throw arguments.error(
                    "TEXT may contain only letters, digits, '-', '.', ':', '[' and ']', got \(CommandParser.shown(text))"
                )
            }
            options.text = text
        }
        return .list(options)
    }
}

/// A `list` reply: the plan and the rows fetched for it.
public struct ListReply: RenderableReply {
    public var plan: ListPlan
    public var rows: [Destination]

    public init(plan: ListPlan, rows: [Destination]) {
        self.plan = plan
        self.rows = rows
    }

    public func render(_ context: RenderContext) -> Reply {
        let options = plan.options
        let failing = plan.failing.count
        let healthy = plan.total - failing
        var summary: Inline =
            "Federation: \(bold: CountText.format(failing)) failing, \(CountText.format(healthy)) healthy"
        if let text = options.text {
            summary = summary + " (\(CountText.plural(plan.total, "destination")) matching \"\(text)\")"
        } else {
            summary = summary + " (\(CountText.plural(plan.total, "destination")))"
        }
        var blocks: [Block] = [.line(summary)]
        let range = plan.pageRange
        if rows.isEmpty {
            if plan.matching == 0 {
                blocks.append(.line(Inline(emptyText)))
            } else {
                let pages = options.paging.pages(plan.matching)
                blocks.append(
                    .line(
                        "Page \(options.paging.page) is empty: there \(pages == 1 ? "is 1 page" : "are \(pages) pages")."
                    ))
            }
            return Reply(blocks)
        }
        let items = rows.map { row -> Inline in
            let health = row.health(at: context.now)
            let state = health == .healthy ? "" : " — " + HealthText.summary(health, now: context.now)
            return "\(HealthText.symbol(health)) \(code: row.destination)\(state)"
        }
        // Keep one event under the size limit, whatever the names' lengths; the hint then pages by what fits.
        return Reply.fitting(items.count, offset: range.lowerBound) { shown in
            var page = blocks + [.bullets(Array(items[..<shown]))]
            let end = range.lowerBound + shown
            if shown < items.count {
                var smaller = options
                smaller.paging.limit = shown
                let next = context.command(words: smaller.words(page: end / shown + 1))
                page.append(
                    .line(
                        "… \(CountText.format(plan.matching - end)) more: \(next) (only \(CountText.format(shown)) fit in one message)"
                    ))
            } else if end < plan.matching {
                let next = context.command(words: options.words(page: options.paging.page + 1))
                page.append(.line("… \(CountText.format(plan.matching - end)) more: \(next)"))
            }
            return Reply(page)
        }.reply
    }

    private var emptyText: String {
        switch plan.options.filter {
        case .failing: plan.options.text == nil ? "Nothing is failing. 🎉" : "Nothing matching is failing."
        case .healthy: "No healthy destinations."
        case .all:
            plan.options.text == nil ? "This homeserver has no federation destinations yet." : "No destination matches."
        }
    }
}
