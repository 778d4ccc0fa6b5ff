import FedBotCore
import FedBotModels
import SynapseAdmin
import Testing

@Suite struct ListPlanTests {
    static let placements: [NullPlacement] = [.low, .high]

    @Test(arguments: datasets, placements)
    fileprivate func everyPageInTheDocumentedOrder(_ dataset: Dataset, nulls: NullPlacement) {
        let synapse = FakeSynapse(rows: dataset.rows, nulls: nulls)
        for filter in ListFilter.allCases {
            for text in [nil, "a", "EXAMPLE", "zz-none", "8448"] {
                for sort in [nil] + ListSort.allCases.map(Optional.some) {
                    for descending in [false, true] {
                        for limit in [1, 3, 20] {
                            let options = ListOptions(
                                filter: filter, text: text, sort: sort, descending: descending,
                                paging: Paging(limit: limit, page: 1))
                            let expected = documentedOrder(synapse, options)
                            let (names, plans) = pageThrough(synapse, options)
                            #expect(
                                names == expected,
                                "\(dataset.name), nulls \(nulls), \(options.words(page: 1).joined(separator: " "))")
                            // Counts and "more" hints agree with what the pages held.
                            for plan in plans {
                                #expect(plan.matching == expected.count)
                                let more = plan.pageRange.upperBound < plan.matching
                                #expect(more == (plan.pageRange.upperBound < expected.count))
                            }
                            #expect(Set(names).count == names.count, "a destination shown twice")
                            // Fetching the window in small growing parts gives the same pages.
                            for extra in [0, 1] {
                                #expect(pageThrough(synapse, options, extra: extra).names == expected)
                            }
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: placements)
    func defaultViewIsFailingFirstThenHealthyByName(nulls: NullPlacement) {
        let synapse = FakeSynapse(rows: datasets[2].rows, nulls: nulls)
        let (names, _) = pageThrough(synapse, ListOptions(paging: Paging(limit: 4)))
        #expect(
            names == [
                "zz-old.example", "Upper.example", "1.2.3.4", "[2001:db8::1]:8448", "tie-a.example", "tie-b.example",
                "aa-new.example",
                "Delta.example", "alpha.example", "b.example.org", "beta.example", "epsilon.example", "eta.example",
                "example.com", "gamma.example", "iota.example", "kappa.example", "matrix.org", "theta.example",
                "zeta.example:8448",
            ])
    }

    @Test func lastSuccessFollowsTheDatabase() {
        // Never-delivered rows (NULL) come first ascending on SQLite and last on PostgreSQL.
        let rows: [Row] = [
            .fresh("b.example", lastSuccess: 5), .fresh("a.example"),
            .failing("c.example", since: t0, interval: 1000), .fresh("d.example", lastSuccess: 1),
        ]
        let options = ListOptions(sort: .lastSuccess, paging: Paging(limit: 1))
        #expect(
            pageThrough(FakeSynapse(rows: rows, nulls: .low), options).names
                == ["a.example", "c.example", "d.example", "b.example"])
        #expect(
            pageThrough(FakeSynapse(rows: rows, nulls: .high), options).names
                == ["d.example", "b.example", "a.example", "c.example"])
        var healthy = options
        healthy.filter = .healthy
        #expect(
            pageThrough(FakeSynapse(rows: rows, nulls: .low), healthy).names == ["a.example", "d.example", "b.example"])
        #expect(
            pageThrough(FakeSynapse(rows: rows, nulls: .high), healthy).names == [
                "d.example", "b.example", "a.example",
            ])
        var failing = options
        failing.filter = .failing
        #expect(pageThrough(FakeSynapse(rows: rows, nulls: .high), failing).names == ["c.example"])
    }

    @Test func randomTablesPageCorrectly() {
        var random = SeededGenerator(state: 42)
        for round in 0..<40 {
            let synapse = FakeSynapse(
                rows: randomRows(&random, count: 5 + round % 30), nulls: round % 2 == 0 ? .low : .high)
            for filter in ListFilter.allCases {
                for sort in [nil, ListSort.name, .lastSuccess, .retry] {
                    let options = ListOptions(
                        filter: filter, text: round % 3 == 0 ? "1" : nil, sort: sort,
                        descending: random.next() % 2 == 0,
                        paging: Paging(limit: Int(random.next() % 7) + 1))
                    #expect(
                        pageThrough(synapse, options).names == documentedOrder(synapse, options),
                        "round \(round): \(options.words(page: 1).joined(separator: " "))")
                }
            }
        }
    }

    @Test func pagesPastTheEndAreEmptyAndNeedNoRequest() {
        let synapse = FakeSynapse(rows: datasets[2].rows, nulls: .high)
        let failing = synapse.failing.map(\.printed)
        for filter in ListFilter.allCases {
            let plan = ListPlan(
                options: ListOptions(filter: filter, paging: Paging(limit: 20, page: 99)), failing: failing,
                total: synapse.rows.count, placement: .high)
            #expect(plan.pageRange.isEmpty)
            #expect(plan.window == nil)
            #expect(plan.rows(window: nil).isEmpty)
        }
    }

    @Test func failingPagesNeedNoRequest() {
        let synapse = FakeSynapse(rows: datasets[2].rows, nulls: .low)
        let failing = synapse.failing.map(\.printed)
        let plan = ListPlan(
            options: ListOptions(filter: .failing, paging: Paging(limit: 3, page: 2)), failing: failing,
            total: synapse.rows.count, placement: .low)
        #expect(plan.window == nil)
        #expect(plan.rows(window: nil).map(\.destination) == ["[2001:db8::1]:8448", "tie-a.example", "tie-b.example"])
        // A default page that holds only failing rows needs no request either.
        let first = ListPlan(
            options: ListOptions(paging: Paging(limit: 5)), failing: failing, total: synapse.rows.count, placement: .low
        )
        #expect(first.window == nil)
        #expect(first.rows(window: nil).count == 5)
    }

    @Test func totalNeverBelowFailingCount() {
        // A scan and a count are two requests: a destination may start failing in between.
        let failing = [Destination(destination: "a.example", retryLastTs: t0, retryInterval: 1, failureTs: t0)]
        let plan = ListPlan(options: ListOptions(), failing: failing, total: 0, placement: nil)
        #expect(plan.total == 1)
        #expect(plan.matching == 1)
    }
}
