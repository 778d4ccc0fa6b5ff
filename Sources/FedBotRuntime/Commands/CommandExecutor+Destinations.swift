import FedBotCore
import FedBotModels
import SynapseAdmin

/// `list`, `show` and `rooms`: read the admin API, and Core's replies render what came back.
extension CommandExecutor {
    func list(_ options: ListOptions) async throws -> Execution {
        let scan = try await admin.failingDestinations()
        let failing = scan.failing.filter { nameMatches($0.destination, options.text) }
        var total = scan.total
        if let text = options.text {
            total = try await admin.destinations(DestinationQuery(limit: 1, nameContains: text)).total
        }
        let plan = ListPlan(options: options, failing: failing, total: total, placement: scan.placement)
        guard var query = plan.window(extra: 16) else { return ok(ListReply(plan: plan, rows: plan.rows(window: nil))) }
        // Usually one request of a page and a few rows: fetch on only when failing rows took the room.
        var window: [Destination] = []
        while true {
            let page = try await admin.destinations(query).destinations
            window += page
            let rows = plan.rows(window: window)
            if plan.isComplete(rows) || page.count < query.limit || window.count >= plan.maximumWindow {
                return ok(ListReply(plan: plan, rows: rows))
            }
            query.from += page.count
            query.limit = min(plan.maximumWindow - window.count, query.limit * 4)
        }
    }

    /// The destination, then its shared rooms and how many of them wait for delivery (which needs the
    /// destination's last successful stream ordering).
    func show(_ server: ServerName) async throws -> Execution {
        // The contact runs beside Synapse's side, so a check answered from the cache costs nothing.
        let contact = contacts.map { contacts in Task { await contacts.report(server).support } }
        let destination = try await admin.destination(server)
        // The shared rooms and how many wait for delivery: a failure there leaves the rest of the answer.
        let backlog = try? await admin.deliveryBacklog(destination)
        let line = await contactLine(contact)
        if let backlog {
            return ok(ShowReply(destination: destination, backlog: backlog, contact: line))
        }
        return ok(ShowReply(destination: destination, sharedRooms: nil, contact: line))
    }

    /// The check's contact if it ends within `contactTimeout`, else "not checked yet". The check is not
    /// cancelled: it finishes into the short cache for the next `show` or `check`.
    func contactLine(_ check: Task<SupportContacts?, Never>?) async -> ShowReply.Contact? {
        guard let check else { return nil }
        let pause = self.pause
        let timeout = contactTimeout
        let (answers, continuation) = AsyncStream.makeStream(of: ShowReply.Contact.self)
        let checked = Task {
            continuation.yield(.checked(await check.value))
            continuation.finish()
        }
        let timer = Task {
            await pause(timeout)
            continuation.yield(.notChecked)
            continuation.finish()
        }
        var iterator = answers.makeAsyncIterator()
        let first = await iterator.next() ?? .notChecked
        timer.cancel()
        _ = checked
        return first
    }

    func rooms(_ server: ServerName, paging: Paging) async throws -> Execution {
        let page = try await admin.destinationRooms(server, from: paging.offset, limit: paging.limit)
        let details = await roomDetails(page.rooms.map(\.roomID))
        let rooms = page.rooms.map { room -> RoomsReply.Room in
            let detail = details[room.roomID]
            return RoomsReply.Room(
                roomID: room.roomID, name: detail?.name, alias: detail?.canonicalAlias, members: detail?.joinedMembers)
        }
        return ok(RoomsReply(server: server, total: page.total, rooms: rooms, paging: paging))
    }

    /// Room details, a few requests at a time; a room whose details fail is shown by ID only.
    func roomDetails(_ ids: [String]) async -> [String: RoomDetails] {
        let admin = self.admin
        return await withTaskGroup(of: RoomDetails?.self) { group in
            var results: [String: RoomDetails] = [:]
            var pending = ids[...]
            var running = 0
            while running < 8, let id = pending.popFirst() {
                group.addTask { try? await admin.room(id) }
                running += 1
            }
            for await result in group {
                if let result { results[result.roomID] = result }
                if let id = pending.popFirst() {
                    group.addTask { try? await admin.room(id) }
                }
            }
            return results
        }
    }

    /// Close names for an unknown destination, from Synapse's case-insensitive name filter.
    func suggestions(for error: SynapseAdminError) async -> [String] {
        guard case .unknownDestination(let name) = error, let server = ServerName(name),
            (try? DestinationFilterText.validate(server.host)) != nil
        else { return [] }
        let page = try? await admin.destinations(DestinationQuery(limit: 5, nameContains: server.host))
        return (page?.destinations ?? []).map(\.destination).filter { $0 != name }
    }
}
