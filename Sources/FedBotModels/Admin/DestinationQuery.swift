/// The columns `GET …/federation/destinations` can sort by (`order_by`).
public enum DestinationOrder: String, Sendable, CaseIterable {
    case destination
    case retryLastTs = "retry_last_ts"
    case retryInterval = "retry_interval"
    case failureTs = "failure_ts"
    case lastSuccessfulStreamOrdering = "last_successful_stream_ordering"
}

/// Sort direction (`dir`): `f` ascending, `b` descending.
public enum SortDirection: String, Sendable {
    case forward = "f"
    case backward = "b"

    public var reversed: SortDirection { self == .forward ? .backward : .forward }
}

/// Query parameters of `GET …/federation/destinations`.
public struct DestinationQuery: Sendable, Equatable {
    /// Offset of the first row (`from`), ≥ 0.
    public var from: Int
    /// Rows per page (`limit`), ≥ 1. Synapse has no maximum, and `limit=0` answers an empty page
    /// with a `next_token`, so 0 is refused here.
    public var limit: Int
    /// Case-insensitive substring filter on the name (`destination`); nil for none.
    public var nameContains: String?
    public var orderBy: DestinationOrder
    public var direction: SortDirection

    public init(
        from: Int = 0, limit: Int = 100, nameContains: String? = nil, orderBy: DestinationOrder = .destination,
        direction: SortDirection = .forward
    ) {
        self.from = from
        self.limit = limit
        self.nameContains = nameContains
        self.orderBy = orderBy
        self.direction = direction
    }

    public var queryItems: [(String, String)] {
        var items: [(String, String)] = [("from", String(from)), ("limit", String(limit))]
        if let nameContains, !nameContains.isEmpty { items.append(("destination", nameContains)) }
        if orderBy != .destination { items.append(("order_by", orderBy.rawValue)) }
        if direction != .forward { items.append(("dir", direction.rawValue)) }
        return items
    }

    /// Rejects values Synapse would answer with 400/500 or loop on.
    public func validate() throws(SynapseAdminError) {
        guard from >= 0, from <= Self.maximumOffset else {
            throw .invalidArgument("`from` must be between 0 and \(Self.maximumOffset)")
        }
        guard limit >= 1, limit <= Self.maximumOffset else {
            throw .invalidArgument("`limit` must be between 1 and \(Self.maximumOffset)")
        }
        if let nameContains {
            try DestinationQuery.validateFilter(nameContains)
        }
    }

    /// Synapse answers 500 for offsets of 2^63 and more; nothing real comes close to this.
    public static let maximumOffset = 1 << 40

    /// The name filter is a SQL `LIKE` pattern in Synapse with `%` and `_` unescaped, and non-ASCII
    /// is refused with a 400: accept only characters that can occur in server names.
    public static func validateFilter(_ text: String) throws(SynapseAdminError) {
        let allowed = text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                    || "-.:[]".unicodeScalars.contains(scalar))
        }
        guard allowed, text.count <= 255 else {
            throw .invalidArgument("a name filter may contain only letters, digits, '-', '.', ':', '[' and ']'")
        }
    }
}
