import Foundation

/// An accepted numeric range, with the wording used in error messages.
struct NumberRange: Sendable {
    let lower: Double?
    let lowerInclusive: Bool
    let upper: Double?
    let upperInclusive: Bool

    static func atLeast(_ value: Double) -> NumberRange {
        .init(lower: value, lowerInclusive: true, upper: nil, upperInclusive: false)
    }
    static func above(_ value: Double) -> NumberRange {
        .init(lower: value, lowerInclusive: false, upper: nil, upperInclusive: false)
    }
    /// [0, 1): dropout-like rates.
    static let rate = NumberRange(lower: 0, lowerInclusive: true, upper: 1, upperInclusive: false)
    /// [0, 1].
    static let unitInterval = NumberRange(lower: 0, lowerInclusive: true, upper: 1, upperInclusive: true)

    func contains(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        if let lower, lowerInclusive ? value < lower : value <= lower { return false }
        if let upper, upperInclusive ? value > upper : value >= upper { return false }
        return true
    }

    var description: String {
        func text(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
        switch (lower, upper) {
        case (let lower?, let upper?):
            return (lowerInclusive ? "[" : "(") + "\(text(lower)), \(text(upper))" + (upperInclusive ? "]" : ")")
        case (let lower?, nil): return (lowerInclusive ? "≥ " : "> ") + text(lower)
        case (nil, let upper?): return (upperInclusive ? "≤ " : "< ") + text(upper)
        case (nil, nil): return "any number"
        }
    }
}

/// Readers shared by every option: each either returns the typed value or throws a message that shows the value and
/// what is accepted. Numbers written as strings are accepted because the kohya GUI writes some that way
/// (`"clip_skip": "1"`).
enum ConfigValueReading {
    static func bool(_ value: ConfigValue) throws(ValueProblem) -> Bool {
        guard case .bool(let flag) = value else { throw ValueProblem("expected true or false, got \(value)") }
        return flag
    }

    static func integer(_ value: ConfigValue, _ range: NumberRange) throws(ValueProblem) -> Int {
        var number = value.integer
        if number == nil, case .string(let text) = value {
            number =
                Int(text.trimmingCharacters(in: .whitespaces))
                ?? Double(text.trimmingCharacters(in: .whitespaces)).flatMap { ConfigValue.double($0).integer }
        }
        guard let number else { throw ValueProblem("expected an integer \(range.description), got \(value)") }
        guard range.contains(Double(number)) else {
            throw ValueProblem("\(number) is out of range: expected an integer \(range.description)")
        }
        return number
    }

    static func number(_ value: ConfigValue, _ range: NumberRange) throws(ValueProblem) -> Double {
        var number = value.number
        if number == nil, case .string(let text) = value {
            number = Double(text.trimmingCharacters(in: .whitespaces)).flatMap { $0.isFinite ? $0 : nil }
        }
        guard let number else { throw ValueProblem("expected a number \(range.description), got \(value)") }
        guard range.contains(number) else {
            throw ValueProblem("\(number) is out of range: expected a number \(range.description)")
        }
        return number
    }

    static func string(_ value: ConfigValue) throws(ValueProblem) -> String {
        guard case .string(let text) = value else { throw ValueProblem("expected a string, got \(value)") }
        return text
    }

    /// A path, made absolute against `base` when relative; `~` is expanded.
    static func path(_ value: ConfigValue, base: String) throws(ValueProblem) -> String {
        let text = (try string(value) as NSString).expandingTildeInPath
        let url =
            text.hasPrefix("/") ? URL(fileURLWithPath: text) : URL(fileURLWithPath: base).appendingPathComponent(text)
        return url.standardizedFileURL.path
    }

    /// A list of strings: an array, or one string split at whitespace (how the kohya GUI stores `optimizer_args`).
    static func stringList(_ value: ConfigValue) throws(ValueProblem) -> [String] {
        switch value {
        case .string(let text): return text.split(whereSeparator: \.isWhitespace).map(String.init)
        case .array(let items):
            var strings: [String] = []
            for item in items {
                guard case .string(let text) = item else {
                    throw ValueProblem("expected a list of strings, got \(item) in \(value)")
                }
                strings.append(text)
            }
            return strings
        default: throw ValueProblem("expected a list of strings, got \(value)")
        }
    }

    /// A list of numbers: an array, one number, or a string of numbers separated by commas or spaces.
    static func numberList(_ value: ConfigValue, _ range: NumberRange) throws(ValueProblem) -> [Double] {
        let items: [ConfigValue]
        switch value {
        case .array(let array): items = array
        case .string(let text):
            items = text.split { $0 == "," || $0.isWhitespace }.map { ConfigValue.string(String($0)) }
        default: items = [value]
        }
        var numbers: [Double] = []
        for item in items { numbers.append(try number(item, range)) }
        return numbers
    }

    /// `key=value` entries, each checked for its `=`.
    static func keyValueList(_ value: ConfigValue) throws(ValueProblem) -> [KeyValueArgument] {
        var entries: [KeyValueArgument] = []
        for text in try stringList(value) {
            guard let entry = KeyValueArgument(parsing: text) else {
                throw ValueProblem("\"\(text)\" is not of the form key=value")
            }
            entries.append(entry)
        }
        return entries
    }

    /// Whether a value means "not set": JSON null or an empty string (how the kohya GUI leaves a field blank).
    static func isUnset(_ value: ConfigValue) -> Bool {
        switch value {
        case .null: true
        case .string(let text): text.isEmpty
        default: false
        }
    }
}
