/// "Did you mean …?" for unknown config keys.
enum KeySuggestion {
    /// The candidate closest to `key`: the same up to case, `_`/`-` and camelCase (`maxCommandAge`),
    /// or within a small edit distance (1 for short keys, up to 3 for long ones). Nil when none is close.
    static func closest(to key: String, among candidates: [String]) -> String? {
        let normalizedKey = normalize(key)
        if let same = candidates.first(where: { normalize($0) == normalizedKey }) { return same }
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let limit = max(1, min(3, candidate.count / 4))
            let distance = editDistance(Array(key.lowercased()), Array(candidate))
            if distance <= limit, distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }

    static func normalize(_ key: String) -> String {
        String(key.lowercased().filter { $0 != "_" && $0 != "-" && $0 != " " })
    }

    /// Levenshtein distance with adjacent transpositions counted as one edit.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
