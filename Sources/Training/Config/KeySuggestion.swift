/// The known key nearest to a misspelt one, by edit distance.
enum KeySuggestion {
    /// The best candidate for `key`, or `nil` when none is close. A candidate that contains `key` whole
    /// (`batch_size` in `train_batch_size`) counts as one edit away, and implemented options win ties.
    static func nearest(to key: String, options: [String], others: [String]) -> String? {
        // Known keys are short; a long key is no typo of one, and would make the distance costly.
        guard key.count <= 64 else { return nil }
        var best: (name: String, score: Int)?
        let lowered = key.lowercased()
        for (rank, names) in [options.sorted(), others.sorted()].enumerated() {
            for name in names {
                var score = distance(lowered, name.lowercased()) * 2 + rank
                if lowered.count >= 4, name.lowercased().contains(lowered) { score = min(score, 2 + rank) }
                if best == nil || score < best!.score { best = (name, score) }
            }
        }
        guard let best, best.score <= max(2, key.count / 3) * 2 + 1 else { return nil }
        return best.name
    }

    /// Levenshtein distance over characters.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
