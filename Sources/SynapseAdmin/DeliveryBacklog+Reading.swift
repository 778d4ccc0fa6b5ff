public import FedBotModels

extension SynapseAdminClient {
    /// Rooms read per request by `deliveryBacklog` (Synapse has no maximum; a page of 1,000 costs about
    /// as much as one of 100).
    public static let backlogPageSize = 1000
    /// Requests `deliveryBacklog` makes at most: beyond `backlogPageSize` × this many shared rooms the
    /// count is a lower bound (`.atLeast`).
    public static let backlogMaxPages = 10

    /// How many rooms shared with `destination` have events still waiting for delivery (see
    /// `DeliveryBacklog`), from `destination` as already read and `GET …/destinations/{d}/rooms`, paged
    /// by `pageSize` for at most `maxPages` requests. One request (of one row, for the total) when
    /// nothing was ever delivered. A room that rows inserted or deleted during the walk shift onto a
    /// second page is counted once (by ID: the database's collation decides the order, not fedbot).
    public func deliveryBacklog(
        _ destination: Destination, pageSize: Int = backlogPageSize, maxPages: Int = backlogMaxPages
    ) async throws(SynapseAdminError) -> DeliveryBacklog {
        let name = try Self.serverName(destination.destination)
        guard let lastSuccessful = destination.lastSuccessfulStreamOrdering else {
            let total = try await destinationRooms(name, limit: 1).total
            return DeliveryBacklog(sharedRooms: total, waiting: .unknown, roomsRead: 0)
        }
        var offset: Int? = 0
        var pages = 0
        var total = 0
        var read = 0
        var waiting = 0
        var seen: Set<String> = []
        while let from = offset, pages < max(1, maxPages) {
            let page = try await destinationRooms(name, from: from, limit: max(1, pageSize))
            pages += 1
            total = page.total
            let fresh = page.rooms.filter { seen.insert($0.roomID).inserted }
            read += fresh.count
            waiting += DeliveryBacklog.waitingRooms(fresh, after: lastSuccessful) ?? 0
            offset = Self.roomsOffset(after: from, page: page)
        }
        return DeliveryBacklog(
            sharedRooms: total, waiting: offset == nil ? .exactly(waiting) : .atLeast(waiting), roomsRead: read)
    }

    /// `deliveryBacklog` of a destination by name: reads the destination first (`.unknownDestination` for
    /// a name Synapse has no row for).
    public func deliveryBacklog(
        _ name: ServerName, pageSize: Int = backlogPageSize, maxPages: Int = backlogMaxPages
    ) async throws(SynapseAdminError) -> DeliveryBacklog {
        try await deliveryBacklog(destination(name), pageSize: pageSize, maxPages: maxPages)
    }

    /// The next offset of the rooms walk, or nil at the end; a token that does not move forward ends it
    /// (Synapse answers `limit=0` with `next_token` equal to `from`).
    static func roomsOffset(after offset: Int, page: DestinationRoomsPage) -> Int? {
        guard !page.rooms.isEmpty, let token = page.nextToken, let next = Int(token), next > offset else { return nil }
        return next
    }
}
