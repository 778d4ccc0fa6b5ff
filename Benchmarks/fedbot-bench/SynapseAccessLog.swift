import Foundation

/// Synapse's access log (`synapse.access.http` lines of the lab's `homeserver.log`): when each request
/// finished and how long Synapse spent on it, on Synapse's own clock. Splits a bot's commands into
/// "its `/sync` answered → its reply PUT starts" (admin requests in between, and the rest: the bot's
/// own time plus the hand-overs) and the PUT's own time.
struct SynapseAccessLog {
    struct Request {
        /// Seconds since midnight (the log's clock, ms resolution) when the response was done.
        var end: Double
        /// Synapse's processing time of the request (the first figure of "Processed request: …sec").
        var duration: Double
        var requester: String
        var method: String
        var path: String
        var start: Double { end - duration }
    }

    /// The split of one command, in ms.
    struct CommandSplit {
        var syncToPut: Double
        var admin: Double
        var adminRequests: Int
        var rest: Double { syncToPut - admin }
        var put: Double
    }

    let path: String
    private let offset: UInt64

    /// Marks the log's current end: `requests()` reads only what comes after.
    init(path: String) {
        self.path = path
        offset = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
    }

    func requests() -> [Request] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        return text.split(separator: "\n").compactMap(Self.parse)
    }

    /// `2026-12-05 03:00:00,123 - synapse.access.http.8008 - … - {@admin:a} Processed request: 0.025sec/…
    /// … "PUT /_matrix/… HTTP/1.1" "-" [0 dbevts]`
    static func parse(_ line: Substring) -> Request? {
        guard line.contains("Processed request: "), line.count > 23 else { return nil }
        let clock = line.dropFirst(11).prefix(12)  // HH:MM:SS,mmm
        let parts = clock.split(whereSeparator: { $0 == ":" || $0 == "," }).compactMap { Double($0) }
        guard parts.count == 4 else { return nil }
        let end = parts[0] * 3600 + parts[1] * 60 + parts[2] + parts[3] / 1000
        guard let open = line.range(of: " - {"), let close = line.range(of: "} Processed request: "),
            open.upperBound <= close.lowerBound
        else { return nil }
        let requester = String(line[open.upperBound..<close.lowerBound])
        let after = line[close.upperBound...]
        guard let sec = after.range(of: "sec"), let duration = Double(after[..<sec.lowerBound]) else { return nil }
        guard let quote = after.firstIndex(of: "\"") else { return nil }
        let request = after[after.index(after: quote)...].split(separator: " ", maxSplits: 2)
        guard request.count >= 2 else { return nil }
        return Request(
            end: end, duration: duration, requester: requester, method: String(request[0]), path: String(request[1]))
    }

    /// One split per reply PUT of `requester` (`/send/m.room.message/`): from the end of its last `/sync`
    /// before the PUT started to the PUT's start, with the admin requests in between (their union).
    static func split(_ requests: [Request], requester: String) -> [CommandSplit] {
        // A token made with the admin API's login-as-user shows as "{@admin:a|@user:a}".
        let mine = requests.filter { $0.requester == requester || $0.requester.hasSuffix("|" + requester) }
            .sorted { $0.end < $1.end }
        var splits: [CommandSplit] = []
        for put in mine where put.method == "PUT" && put.path.contains("/send/m.room.message/") {
            // The log has ms resolution: allow 1 ms of overlap.
            guard
                let sync = mine.last(where: {
                    $0.path.hasPrefix("/_matrix/client/v3/sync") && $0.end <= put.start + 0.001
                })
            else { continue }
            let admin = mine.filter {
                $0.path.hasPrefix("/_synapse/admin/") && $0.end > sync.end && $0.end <= put.start + 0.001
            }
            splits.append(
                CommandSplit(
                    syncToPut: max(0, put.start - sync.end) * 1000, admin: union(admin) * 1000,
                    adminRequests: admin.count, put: put.duration * 1000))
        }
        return splits
    }

    /// The time covered by the requests' intervals (parallel requests count once).
    static func union(_ requests: [Request]) -> Double {
        var total = 0.0
        var current: (start: Double, end: Double)?
        for request in requests.sorted(by: { $0.start < $1.start }) {
            if let open = current, request.start <= open.end {
                current = (open.start, max(open.end, request.end))
            } else {
                if let open = current { total += open.end - open.start }
                current = (request.start, request.end)
            }
        }
        if let open = current { total += open.end - open.start }
        return total
    }
}
