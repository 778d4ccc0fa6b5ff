public import MatrixClient

/// The data of a `rooms` reply.
public struct RoomsResult: Sendable {
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
                let pages = (total + paging.limit - 1) / paging.limit
                blocks.append(
                    .line("Page \(paging.page) is empty: there \(pages == 1 ? "is 1 page" : "are \(pages) pages")."))
            } else {
                blocks.append(.line("This homeserver shares no rooms with \(server.rawValue)."))
            }
            return Reply(blocks)
        }
        var items: [Inline] = rooms.map { room in
            var line: Inline
            if let name = room.name, !name.isEmpty {
                line = "\(bold: name)"
                if let alias = room.alias { line = line + " (\(alias))" }
                line = line + " " + .code(room.roomID)
            } else if let alias = room.alias {
                line = "\(bold: alias) " + .code(room.roomID)
            } else {
                line = .code(room.roomID)
            }
            if let members = room.members {
                line = line + " — \(CountText.plural(members, "member"))"
            }
            return line
        }
        var shown = items.count
        while shown > 1, Reply(blocks + [.bullets(Array(items[..<shown]))]).size > Reply.sizeBudget {
            shown = shown * 3 / 4
        }
        items = Array(items[..<shown])
        blocks.append(.bullets(items))
        let end = paging.offset + rooms.count
        if shown < rooms.count {
            blocks.append(.line("The rest of this page does not fit in one message: use --limit \(shown) or less."))
        } else if end < total {
            var words = ["rooms", server.rawValue]
            if paging.limit != Paging.defaultLimit { words += ["--limit", String(paging.limit)] }
            words += ["--page", String(paging.page + 1)]
            blocks.append(.line("… \(CountText.format(total - end)) more: \(context.command(words: words))"))
        }
        return Reply(blocks)
    }
}
