/// Which destinations `list` shows.
public enum ListFilter: String, Equatable, Sendable, CaseIterable {
    /// Every destination, failing first (the default).
    case all
    case failing
    case healthy
}

/// What `list --sort` orders by. Without `--sort`: failing first (oldest failure first), then by name.
public enum ListSort: String, Equatable, Sendable, CaseIterable {
    case name
    case failure
    case retry
    case lastSuccess = "last-success"
}

/// Options of `!fed list`.
public struct ListOptions: Equatable, Sendable {
    public var filter: ListFilter
    /// Case-insensitive substring of the name.
    public var text: String?
    public var sort: ListSort?
    public var descending: Bool
    public var paging: Paging

    public init(
        filter: ListFilter = .all, text: String? = nil, sort: ListSort? = nil, descending: Bool = false,
        paging: Paging = Paging()
    ) {
        self.filter = filter
        self.text = text
        self.sort = sort
        self.descending = descending
        self.paging = paging
    }

    /// The words that repeat these options, for "next page" hints.
    public func words(page: Int) -> [String] {
        var words = ["list"]
        // A TEXT that is also a filter word ("healthy") needs the filter before it, or it would be read as one.
        let textLooksLikeFilter = text.map { ListFilter(rawValue: $0.lowercased()) != nil } ?? false
        if filter != .all || textLooksLikeFilter { words.append(filter.rawValue) }
        if let text { words.append(text) }
        if let sort { words += ["--sort", sort.rawValue] }
        if descending { words.append("--desc") }
        if paging.limit != Paging.defaultLimit { words += ["--limit", String(paging.limit)] }
        if page != 1 { words += ["--page", String(page)] }
        return words
    }
}

/// The grammar of `list`'s TEXT, which Synapse uses as a SQL LIKE pattern without escaping.
public enum DestinationFilterText {
    public static func validate(_ text: String) throws(CommandError) {
        let ok =
            !text.isEmpty && text.utf8.count <= 255
            && text.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                        || "-.:[]".unicodeScalars.contains(scalar))
            }
        guard ok else { throw CommandError("invalid filter text") }
    }
}
