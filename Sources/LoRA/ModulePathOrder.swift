/// Orders module paths segment by segment, numbers by value (`layers.2` before `layers.10`), so lists read in the
/// models' own order rather than in string order.
enum ModulePathOrder {
    static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.split(separator: ".")
        let right = rhs.split(separator: ".")
        for (a, b) in zip(left, right) where a != b {
            if let x = Int(a), let y = Int(b) { return x < y }
            return a < b
        }
        return left.count < right.count
    }
}
