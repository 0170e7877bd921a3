/// A config value that diffusers accepts either once for every block or as a list with one entry per block
/// (`layers_per_block: 2` or `[2, 2, 2]`).
public enum OneOrMany<Value: Decodable & Sendable>: Decodable, Sendable {
    case one(Value)
    case many([Value])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // The list form first, so that a nested `OneOrMany` reads `[1, 2]` as two entries, not one list.
        if let values = try? container.decode([Value].self) {
            self = .many(values)
        } else {
            self = .one(try container.decode(Value.self))
        }
    }

    /// One value per block: the single value repeated, or the list, which must have exactly `count` entries.
    public func perBlock(_ count: Int, component: String, field: String) throws -> [Value] {
        switch self {
        case .one(let value):
            return Array(repeating: value, count: count)
        case .many(let values):
            guard values.count == count else {
                throw ModelConfigError.invalid(
                    component: component, field: field, reason: "has \(values.count) entries, expected \(count)")
            }
            return values
        }
    }
}
