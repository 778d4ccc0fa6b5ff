import FedBotCore
import FedBotModels
import Foundation

/// What the probe service remembers across restarts, stored as one JSON value: the probe records, the
/// stuck-delivery watches and the targets last resolved from the config's globs and `top_shared`.
struct ProbeBook: Codable, Equatable, Sendable {
    var records: [String: ProbeRecord] = [:]
    var stuck: [String: StuckWatch] = [:]
    /// Known destinations the globs matched, at `targetsAt`.
    var matched: [String] = []
    /// The destinations sharing the most rooms, most first, at `targetsAt`.
    var topShared: [String] = []
    var targetsAt: Timestamp?
    var stuckCheckedAt: Timestamp?

    static let key = "probes.book"
}

extension BotStore {
    func probeBook() async throws -> ProbeBook {
        guard let text = try await value(ProbeBook.key) else { return ProbeBook() }
        // A book this version cannot read starts afresh: probes re-learn within `failures` intervals.
        return (try? JSONDecoder().decode(ProbeBook.self, from: Data(text.utf8))) ?? ProbeBook()
    }

    func setProbeBook(_ book: ProbeBook) async throws {
        let data = try JSONEncoder().encode(book)
        try await setValue(String(decoding: data, as: UTF8.self), for: ProbeBook.key)
    }
}
