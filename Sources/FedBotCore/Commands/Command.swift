public import FedBotModels

/// A parsed `!fed …` command: the value that flows from the parser to the executor.
public enum Command: Equatable, Sendable {
    case help(topic: CommandName?)
    case list(ListOptions)
    case show(ServerName)
    case rooms(ServerName, Paging)
    case reset(ServerName)
    case status
    case mute(ServerName, duration: Duration)
    case unmute(ServerName)
    case incidents

    /// The command's name, for metrics, logs and authorization.
    public var name: CommandName {
        switch self {
        case .help: .help
        case .list: .list
        case .show: .show
        case .rooms: .rooms
        case .reset: .reset
        case .status: .status
        case .mute: .mute
        case .unmute: .unmute
        case .incidents: .incidents
        }
    }
}

/// `--limit N` (1…1000) and `--page N` (from 1).
public struct Paging: Equatable, Sendable {
    public var limit: Int
    public var page: Int

    public init(limit: Int = Paging.defaultLimit, page: Int = 1) {
        self.limit = limit
        self.page = page
    }

    /// The offset of the page's first row.
    public var offset: Int { (page - 1) * limit }

    public static let defaultLimit = 20
    public static let maximumLimit = 1000
    /// Pages beyond this are refused: nobody reads page 100,000 in a chat.
    public static let maximumPage = 1_000_000
}

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
