import Foundation

/// A value read from a TOML or JSON configuration, before it is checked against the option it sets.
public indirect enum ConfigValue: Sendable, Equatable, CustomStringConvertible, Codable {
    case string(String)
    case integer(Int)
    case double(Double)
    case bool(Bool)
    case array([ConfigValue])
    case table([String: ConfigValue])
    /// JSON `null`: the option keeps its default.
    case null

    // JSON: Bool is tried first so `true` never becomes 1, and Int before Double so `5` stays an integer.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ConfigValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: ConfigValue].self) {
            self = .table(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "an unsupported value (give a string, number, boolean, array or table)"
            )
        }
    }

    /// Encodes as the JSON it was read from, so that a server can store and return a job's options.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .integer(let number): try container.encode(number)
        case .double(let number): try container.encode(number)
        case .bool(let flag): try container.encode(flag)
        case .array(let items): try container.encode(items)
        case .table(let entries): try container.encode(entries)
        case .null: try container.encodeNil()
        }
    }

    /// The value as the user would write it, for error messages.
    public var description: String {
        switch self {
        case .string(let text): "\"\(text)\""
        case .integer(let number): String(number)
        case .double(let number): String(number)
        case .bool(let flag): String(flag)
        case .array(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .table(let entries):
            "{" + entries.keys.sorted().map { "\($0) = \(entries[$0]!)" }.joined(separator: ", ") + "}"
        case .null: "null"
        }
    }

    /// The kind of value, for "expected X, got Y" messages.
    var kindName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .double: "a number"
        case .bool: "a boolean"
        case .array: "an array"
        case .table: "a table"
        case .null: "null"
        }
    }
}

extension ConfigValue {
    /// An integer, or a number with no fractional part (JSON writers print `1.0`).
    var integer: Int? {
        switch self {
        case .integer(let value): value
        case .double(let value) where value == value.rounded() && abs(value) < 9e15: Int(value)
        default: nil
        }
    }

    /// Any finite number.
    var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .double(let value) where value.isFinite: value
        default: nil
        }
    }
}

extension ConfigValue {
    /// A stored option value as it would be written: numbers, flags, text and lists as themselves, an unset value as
    /// null, an enumeration as its raw name, a `ConfigValueConvertible` as it says, any other value (a resolution) as
    /// its description.
    init(reflecting value: Any) {
        switch value {
        case let flag as Bool: self = .bool(flag)
        case let number as Int: self = .integer(number)
        case let number as Double: self = .double(number)
        case let number as Float: self = .double(Double(number))
        case let text as String: self = .string(text)
        case let convertible as any ConfigValueConvertible: self = convertible.configValue
        case let choice as any RawRepresentable<String>: self = .string(choice.rawValue)
        case let list as [Any]: self = .array(list.map(ConfigValue.init(reflecting:)))
        default:
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional {
                self = mirror.children.first.map { ConfigValue(reflecting: $0.value) } ?? .null
            } else {
                self = .string(String(describing: value))
            }
        }
    }
}
