/// `--limit N` (1…1000) and `--page N` (from 1).
public struct Paging: Equatable, Sendable {
    public var limit: Int
    public var page: Int

    public init(limit: Int = Paging.defaultLimit, page: Int = 1) {
        self.limit = limit
        self.page = page
    }

    /// How many pages `count` rows fill; `count` may be any number a server sends (no overflow).
    public func pages(_ count: Int) -> Int {
        count <= 0 ? 0 : (count - 1) / limit + 1
    }

    /// The offset of the page's first row.
    public var offset: Int { (page - 1) * limit }

    public static let defaultLimit = 20
    public static let maximumLimit = 1000
    /// Pages beyond this are refused: nobody reads page 100,000 in a chat.
    public static let maximumPage = 1_000_000
}
