public import FedBotModels

extension CommandName {
    public static let rooms: CommandName = "rooms"
}

extension CommandSpec {
    /// `rooms SERVER [--limit N] [--page N]`
    public static let rooms = CommandSpec(
        name: .rooms, positionals: [.required("SERVER")], options: [.limit, .page],
        summary: "rooms shared with a server",
        details: ["Rooms this homeserver shares with SERVER, with name, alias and member count where known."],
        failure: "Could not list rooms shared with"
    ) { (arguments: inout Arguments) throws(CommandError) -> Action in
        .rooms(try arguments.server(), arguments.paging())
    }
}

/// A `rooms` reply: one page of the rooms shared with a server.
public struct RoomsReply: RenderableReply {
    /// One shared room, with what the admin API knows of it (nil when the details could not be fetched).
    public struct Room: Sendable {
        public var roomID: String
        public var name: String?
        public var alias: String?
        public var members: Int?

        public init(roomID: String, name: String? = nil, alias: String? = nil, members: Int? = nil) {
            self.roomID = roomID
            self.name = name
            self.alias = alias
            self.members = members
        }
    }

    public var server: ServerName
    public var total: Int
    public var rooms: [Room]
    public var paging: Paging

    public init(server: ServerName, total: Int, rooms: [Room], paging: Paging) {
        self.server = server
        self.total = total
        self.rooms = rooms
        self.paging = paging
    }

    public func render(_ context: RenderContext) -> Reply {
        var blocks: [Block] = [
            .line("Rooms shared with \(bold: server.rawValue): \(bold: CountText.format(total))")
        ]
        guard !rooms.isEmpty else {
            if total > 0 {
                let pages = paging.pages(total)
                blocks.append(
                    .line("Page \(paging.page) is empty: there \(pages == 1 ? "is 1 page" : "are \(pages) pages")."))
            } else {
                blocks.append(.line("This homeserver shares no rooms with \(server.rawValue)."))
            }
            return Reply(blocks)
        }
        let items: [Inline] = rooms.map { room in
            var line: Inline
            // Room names and aliases can be as long as an event: cut them to keep the list readable.
            if let name = room.name?.truncated(to: Self.maximumNameLength), !name.isEmpty {
                line = "\(bold: name)"
                if let alias = room.alias?.truncated(to: Self.maximumNameLength) { line = line + " (\(alias))" }
                line = line + " " + .code(room.roomID)
            } else if let alias = room.alias?.truncated(to: Self.maximumNameLength) {
                line = "\(bold: alias) " + .code(room.roomID)
            } else {
                line = .code(room.roomID)
            }
            if let members = room.members {
                line = line + " — \(CountText.plural(members, "member"))"
            }
            return line
        }
        return Reply.fitting(items.count, offset: paging.offset) { shown in
            var page = blocks + [.bullets(Array(items[..<shown]))]
            let end = paging.offset + shown
            if shown < items.count {
                let next = context.command(words: words(limit: shown, page: end / shown + 1))
                page.append(
                    .line(
                        "… \(CountText.format(total > end ? total - end : 0)) more: \(next) (only \(CountText.format(shown)) fit in one message)"
                    ))
            } else if end < total {
                let next = context.command(words: words(limit: paging.limit, page: paging.page + 1))
                page.append(.line("… \(CountText.format(total - end)) more: \(next)"))
            }
            return Reply(page)
        }.reply
    }

    /// Room names and aliases longer than this are cut.
    static let maximumNameLength = 100

    /// `rooms SERVER [--limit N] --page N`.
    private func words(limit: Int, page: Int) -> [String] {
        var words = ["rooms", server.rawValue]
        if limit != Paging.defaultLimit { words += ["--limit", String(limit)] }
        return words + ["--page", String(page)]
    }
}
