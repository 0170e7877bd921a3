/// The stored shapes of a checkpoint's tensors, queried while inferring an architecture from them.
/// Lookups of a key the inference needs throw an error that names the key and the file.
struct CheckpointShapes: Sendable {
    let shapes: [String: [Int]]
    /// The file named in errors.
    let path: String

    func contains(_ key: String) -> Bool { shapes[key] != nil }

    func containsAny(withPrefix prefix: String) -> Bool { shapes.keys.contains { $0.hasPrefix(prefix) } }

    /// Dimension `axis` of `key`, for the component named in errors.
    func dimension(_ key: String, _ axis: Int, component: String) throws -> Int {
        guard let shape = shapes[key] else {
            throw CheckpointError.parameters(
                component: component, path: path, problems: ParameterProblems(missing: [key]))
        }
        guard shape.indices.contains(axis) else {
            throw CheckpointError.malformed(
                path: path, reason: "\(key) has shape \(shape), expected \(axis + 1)+ dimensions")
        }
        return shape[axis]
    }

    func rank(_ key: String) -> Int? { shapes[key]?.count }

    /// How many numbered children `prefix0.`, `prefix1.`, … exist without a gap (`prefix` ends with a dot).
    func countNumbered(_ prefix: String) -> Int {
        var numbers = Set<Int>()
        for key in shapes.keys where key.hasPrefix(prefix) {
            if let number = key.dropFirst(prefix.count).split(separator: ".", maxSplits: 1).first.flatMap({ Int($0) }) {
                numbers.insert(number)
            }
        }
        var count = 0
        while numbers.contains(count) { count += 1 }
        return count
    }
}
