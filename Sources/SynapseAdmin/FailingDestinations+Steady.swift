public import FedBotModels

/// What `failingDestinations(after:)` found.
public struct FailingUpdate: Sendable {
    /// Every failing row now: the index for the next call.
    public var index: FailingIndex
    /// Requests made, steady read and full scan together.
    public var requests: Int
    /// Why every failing row was read (no index given, or what the steady read found); nil for a steady read.
    public var fullScanReason: String?
}

extension SynapseAdminClient {
    /// Every failing destination, reading only what is newer than `index` when the rest provably did not
    /// change (`SteadyScan`: one or two small requests at any failing count), else the full failing scan.
    ///
    /// - Parameter index: what the previous call returned; nil for a full scan.
    public func failingDestinations(after index: FailingIndex?, pageSize: Int = 5000) async throws(SynapseAdminError)
        -> FailingUpdate
    {
        var requests = 0
        var reason = "first scan"
        if let index {
            var plan = SteadyScan(index: index, pageSize: pageSize)
            steady: while true {
                switch plan.next() {
                case .fetch(let query):
                    let page = try await destinations(query)
                    plan.absorb(page, for: query)
                case .done(let next):
                    return FailingUpdate(index: next, requests: plan.requests, fullScanReason: nil)
                case .fullScan(let why):
                    reason = why
                    break steady
                }
            }
            requests = plan.requests
        }
        let scan = try await failingDestinations(pageSize: pageSize)
        return FailingUpdate(
            index: FailingIndex(placement: scan.placement, failing: scan.failing, total: scan.total),
            requests: requests + scan.requests, fullScanReason: reason)
    }
}
