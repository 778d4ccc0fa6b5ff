import FedBotCore
import FedBotModels
import SynapseAdmin
import Testing

// Fixtures of `ListPlanTests`: a fake Synapse that lists rows the way the admin API does, and datasets.

/// A `destinations` row as the database holds it: the retry columns are NULL until the first failure.
struct Row: Sendable {
    var name: String
    var retryLastTs: Int64?
    var retryInterval: Int64?
    var failureTs: Int64?
    var lastSuccess: Int64?

    /// Never failed: only the name (and maybe a delivery) was ever written.
    static func fresh(_ name: String, lastSuccess: Int64? = nil) -> Row {
        Row(name: name, lastSuccess: lastSuccess)
    }

    /// Failed once and recovered: `0, 0, NULL`.
    static func recovered(_ name: String, lastSuccess: Int64? = nil) -> Row {
        Row(name: name, retryLastTs: 0, retryInterval: 0, lastSuccess: lastSuccess)
    }

    static func failing(_ name: String, since: Int64, interval: Int64, lastSuccess: Int64? = nil) -> Row {
        Row(
            name: name, retryLastTs: since + interval, retryInterval: interval, failureTs: since,
            lastSuccess: lastSuccess)
    }

    /// What the admin API prints: `retry_last_ts` and `retry_interval` as `r or 0`.
    var printed: Destination {
        Destination(
            destination: name, retryLastTs: retryLastTs ?? 0, retryInterval: retryInterval ?? 0, failureTs: failureTs,
            lastSuccessfulStreamOrdering: lastSuccess)
    }

    func value(_ column: DestinationOrder) -> Int64? {
        switch column {
        case .destination: nil
        case .retryLastTs: retryLastTs
        case .retryInterval: retryInterval
        case .failureTs: failureTs
        case .lastSuccessfulStreamOrdering: lastSuccess
        }
    }
}

/// `GET /_synapse/admin/v1/federation/destinations` as Synapse answers it:
/// `WHERE LOWER(destination) LIKE '%text%' ORDER BY <col> <dir>, destination ASC LIMIT ? OFFSET ?`,
/// with NULLs sorting lowest (SQLite) or highest (PostgreSQL).
struct FakeSynapse {
    var rows: [Row]
    var nulls: NullPlacement

    func matching(_ text: String?) -> [Row] {
        guard let text else { return rows }
        return rows.filter { asciiLower($0.name).contains(asciiLower(text)) }
    }

    func sorted(_ rows: [Row], by column: DestinationOrder, _ direction: SortDirection) -> [Row] {
        rows.sorted { a, b in
            if column == .destination {
                return direction == .forward ? bytesLess(a.name, b.name) : bytesLess(b.name, a.name)
            }
            switch (a.value(column), b.value(column)) {
            case (nil, nil):
                break
            case (nil, _?):
                // NULL against a value: ASC puts it first when NULLs are low.
                return (nulls == .low) == (direction == .forward)
            case (_?, nil):
                return (nulls == .high) == (direction == .forward)
            case (let x?, let y?) where x != y:
                return direction == .forward ? x < y : x > y
            default:
                break
            }
            return bytesLess(a.name, b.name)
        }
    }

    func answer(_ query: DestinationQuery) -> DestinationPage {
        let all = sorted(matching(query.nameContains), by: query.orderBy, query.direction)
        let page = all.dropFirst(query.from).prefix(query.limit)
        let next = query.from + query.limit < all.count ? String(query.from + page.count) : nil
        return DestinationPage(destinations: page.map(\.printed), total: all.count, nextToken: next)
    }

    /// What the failing-first scan hands to the executor: every failing row, oldest failure first.
    var failing: [Row] {
        rows.filter { $0.failureTs != nil }.sorted { a, b in
            a.failureTs != b.failureTs ? (a.failureTs ?? 0) < (b.failureTs ?? 0) : bytesLess(a.name, b.name)
        }
    }
}

func bytesLess(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

/// SQL `LOWER()` on ASCII.
func asciiLower(_ text: String) -> String {
    String(
        String.UnicodeScalarView(
            text.unicodeScalars.map { ("A"..."Z").contains($0) ? Unicode.Scalar(UInt8($0.value + 32)) : $0 }))
}

/// The documented order of `!fed list`, written independently of `ListPlan`.
func documentedOrder(_ synapse: FakeSynapse, _ options: ListOptions) -> [String] {
    let rows = synapse.matching(options.text)
    let keep: (Row) -> Bool
    switch options.filter {
    case .all: keep = { _ in true }
    case .failing: keep = { $0.failureTs != nil }
    case .healthy: keep = { $0.failureTs == nil }
    }
    let direction: SortDirection = options.descending ? .backward : .forward
    switch options.sort {
    case .name:
        return synapse.sorted(rows, by: .destination, direction).filter(keep).map(\.name)
    case .lastSuccess:
        return synapse.sorted(rows, by: .lastSuccessfulStreamOrdering, direction).filter(keep).map(\.name)
    case nil, .failure, .retry:
        // Failing first, by failure time (or retry interval), ties by name; then healthy by name.
        // --desc reverses both parts; failing rows stay first.
        let key: (Row) -> Int64 = options.sort == .retry ? { $0.retryInterval ?? 0 } : { $0.failureTs ?? 0 }
        var failing = rows.filter { $0.failureTs != nil }.sorted { a, b in
            key(a) != key(b) ? key(a) < key(b) : bytesLess(a.name, b.name)
        }
        var healthy = rows.filter { $0.failureTs == nil }.sorted { bytesLess($0.name, $1.name) }
        if options.descending {
            failing.reverse()
            healthy.reverse()
        }
        return (failing + healthy).filter(keep).map(\.name)
    }
}

struct Dataset: Sendable, CustomTestStringConvertible {
    var name: String
    var rows: [Row]
    var testDescription: String { name }
}

let t0: Int64 = 1_795_000_000_000

let datasets: [Dataset] = [
    Dataset(
        name: "nothing failing",
        rows: [
            .fresh("matrix.org", lastSuccess: 900),
            .recovered("Alpha.example", lastSuccess: 12),
            .fresh("alpha.example"),
            .recovered("b.example:8448"),
            .fresh("[::1]:8448", lastSuccess: 12),
            .fresh("1.2.3.4:8448", lastSuccess: 7),
            .recovered("zeta.example", lastSuccess: 3),
            .fresh("beta.example", lastSuccess: 55),
            .fresh("gamma.example.org"),
        ]),
    Dataset(
        name: "one failing",
        rows: [
            .fresh("matrix.org", lastSuccess: 900),
            .failing("dead.example", since: t0, interval: 600_000, lastSuccess: 40),
            .recovered("alpha.example", lastSuccess: 12),
            .fresh("beta.example"),
            .fresh("Gamma.example", lastSuccess: 41),
            .recovered("delta.example"),
            .fresh("omega.example", lastSuccess: 40),
        ]),
    Dataset(
        name: "many failing",
        rows: [
            .failing("zz-old.example", since: t0 - 9_000_000, interval: 3_600_000, lastSuccess: 10),
            .failing("aa-new.example", since: t0 - 60_000, interval: 60_000),
            .failing("tie-b.example", since: t0 - 1_000_000, interval: 600_000, lastSuccess: 30),
            .failing("tie-a.example", since: t0 - 1_000_000, interval: 600_000, lastSuccess: 30),
            .failing("Upper.example", since: t0 - 5_000_000, interval: 60_000),
            .failing("[2001:db8::1]:8448", since: t0 - 2_000_000, interval: 1_200_000, lastSuccess: 5),
            .failing("1.2.3.4", since: t0 - 3_000_000, interval: 600_000, lastSuccess: 99),
            .fresh("matrix.org", lastSuccess: 900),
            .fresh("alpha.example", lastSuccess: 30),
            .recovered("beta.example"),
            .fresh("gamma.example", lastSuccess: 5),
            .recovered("Delta.example", lastSuccess: 1),
            .fresh("epsilon.example"),
            .fresh("example.com", lastSuccess: 30),
            .recovered("zeta.example:8448", lastSuccess: 77),
            .fresh("eta.example", lastSuccess: 100),
            .fresh("theta.example"),
            .recovered("iota.example", lastSuccess: 6),
            .fresh("kappa.example", lastSuccess: 8),
            .fresh("b.example.org"),
        ]),
    Dataset(
        name: "all failing",
        rows: [
            .failing("c.example", since: t0 - 3000, interval: 1000),
            .failing("a.example", since: t0 - 1000, interval: 2000, lastSuccess: 3),
            .failing("b.example", since: t0 - 1000, interval: 1000, lastSuccess: 3),
            .failing("D.example", since: t0 - 2000, interval: 4000),
            .failing("e.example", since: t0 - 500, interval: 500, lastSuccess: 1),
        ]),
    Dataset(name: "empty", rows: []),
]

/// Pages through `!fed list` with `options` until the first empty page, answering each window like Synapse.
/// With `extra`, windows are fetched the way the executor does: the page plus `extra` rows first, then
/// on in growing chunks until the page is full.
func pageThrough(
    _ synapse: FakeSynapse, _ options: ListOptions, placementKnown: Bool = true, extra: Int? = nil
)
    -> (names: [String], plans: [ListPlan])
{
    let failing = synapse.failing.filter { nameMatches($0.name, options.text) }.map(\.printed)
    let total = synapse.matching(options.text).count
    let placement: NullPlacement? = placementKnown && !synapse.failing.isEmpty ? synapse.nulls : nil
    var names: [String] = []
    var plans: [ListPlan] = []
    for page in 1...10_000 {
        var paged = options
        paged.paging.page = page
        let plan = ListPlan(options: paged, failing: failing, total: total, placement: placement)
        plans.append(plan)
        var window: [Destination]?
        if let extra, var query = plan.window(extra: extra) {
            var fetched: [Destination] = []
            while true {
                let page = synapse.answer(query).destinations
                fetched += page
                if plan.isComplete(plan.rows(window: fetched)) || page.count < query.limit
                    || fetched.count >= plan.maximumWindow
                {
                    break
                }
                query.from += page.count
                query.limit = min(plan.maximumWindow - fetched.count, query.limit * 4)
            }
            window = fetched
        } else if let query = plan.window {
            #expect(query.from >= 0 && query.limit >= 1, "invalid query \(query)")
            #expect(query.nameContains == options.text)
            window = synapse.answer(query).destinations
        }
        let rows = plan.rows(window: window)
        #expect(rows.count <= options.paging.limit)
        if rows.isEmpty {
            #expect(plan.window == nil, "an empty page needs no request")
            break
        }
        names += rows.map(\.destination)
    }
    return (names, plans)
}

func randomRows(_ random: inout SeededGenerator, count: Int) -> [Row] {
    let letters = Array("abcXY19-.")
    var names = Set<String>()
    while names.count < count {
        let length = Int(random.next() % 4) + 1
        names.insert(String((0..<length).map { _ in letters[Int(random.next() % UInt64(letters.count))] }) + ".org")
    }
    return names.sorted().map { name in
        let lastSuccess: Int64? = random.next() % 3 == 0 ? nil : Int64(random.next() % 5)
        switch random.next() % 3 {
        case 0: return .fresh(name, lastSuccess: lastSuccess)
        case 1: return .recovered(name, lastSuccess: lastSuccess)
        default:
            return .failing(
                name, since: t0 - Int64(random.next() % 4) * 1000, interval: Int64(random.next() % 3 + 1) * 1000,
                lastSuccess: lastSuccess)
        }
    }
}
