/// kohya's `optimizer_args`: `key=value` strings whose values are Python literals (`ast.literal_eval`), read
/// into the options of one optimizer. Every key must be one the optimizer takes; each read checks the kind.
struct OptimizerArguments {
    /// A parsed Python literal: the subset `optimizer_args` values use.
    enum Literal: Equatable {
        case number(Double, isInteger: Bool)
        case bool(Bool)
        case pythonNone
        case tuple([Literal])
    }

    let optimizer: String
    private var values: [String: (text: String, literal: Literal?)] = [:]
    private let accepted: [String]

    /// Splits and parses `arguments`, rejecting a key outside `accepted` (with the list) or given twice.
    init(_ arguments: [String], optimizer: String, accepted: [String]) throws {
        self.optimizer = optimizer
        self.accepted = accepted.sorted()
        for argument in arguments {
            let parts = argument.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw OptimizerError.malformedArgument(argument: argument) }
            let key = parts[0].trimmingWhitespace()
            let text = parts[1].trimmingWhitespace()
            guard !key.isEmpty else { throw OptimizerError.malformedArgument(argument: argument) }
            guard accepted.contains(key) else {
                throw OptimizerError.unknownArgument(optimizer: optimizer, name: key, accepted: self.accepted)
            }
            guard values[key] == nil else { throw OptimizerError.duplicateArgument(name: key) }
            values[key] = (text, Self.parse(text))
        }
    }

    private func invalid(_ key: String, _ reason: String) -> OptimizerError {
        .invalidArgument(optimizer: optimizer, name: key, value: values[key]?.text ?? "", reason: reason)
    }

    private func literal(_ key: String) throws -> Literal? {
        guard let entry = values[key] else { return nil }
        guard let literal = entry.literal else { throw invalid(key, "not a Python literal") }
        return literal
    }

    /// A finite number (an int literal is accepted, as Python accepts it for a float).
    func double(
        _ key: String, default value: Double, where valid: (Double) -> Bool = { _ in true }, _ rule: String = ""
    )
        throws -> Double
    {
        guard let literal = try literal(key) else { return value }
        guard case .number(let number, _) = literal else { throw invalid(key, "expected a number") }
        guard valid(number) else { throw invalid(key, rule) }
        return number
    }

    /// `None` or a number.
    func optionalDouble(_ key: String, where valid: (Double) -> Bool, _ rule: String) throws -> Double? {
        guard let literal = try literal(key), literal != .pythonNone else { return nil }
        return try double(key, default: 0, where: valid, rule)
    }

    func integer(_ key: String, default value: Int, where valid: (Int) -> Bool, _ rule: String) throws -> Int {
        guard let literal = try literal(key) else { return value }
        guard case .number(let number, isInteger: true) = literal, abs(number) < 1e15 else {
            throw invalid(key, "expected an integer")
        }
        guard valid(Int(number)) else { throw invalid(key, rule) }
        return Int(number)
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let literal = try literal(key) else { return value }
        guard case .bool(let flag) = literal else { throw invalid(key, "expected True or False") }
        return flag
    }

    /// A tuple of as many numbers as `value` has (`betas=0.9,0.999`); the optimizer checks their range.
    func betas(_ key: String = "betas", default value: [Double]) throws -> [Double] {
        guard let literal = try literal(key) else { return value }
        guard case .tuple(let items) = literal, items.count == value.count else {
            throw invalid(key, "expected \(value.count) comma-separated numbers")
        }
        return try items.map {
            guard case .number(let number, _) = $0 else { throw invalid(key, "each beta must be a number") }
            return number
        }
    }

    /// Parses the literals kohya's examples use: numbers, True/False/None, and tuples or lists of them.
    static func parse(_ text: String) -> Literal? {
        var body = Substring(text)
        var bracketed = false
        if let first = body.first, let last = body.last, body.count >= 2,
            (first == "(" && last == ")") || (first == "[" && last == "]")
        {
            body = body.dropFirst().dropLast()
            bracketed = true
        }
        let parts = body.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
        if parts.count == 1 && !bracketed { return scalar(parts[0]) }
        // A trailing comma ends a tuple ("0.9," or "(0.9,)"); an empty bracket pair is an empty tuple.
        var items = parts
        if items.count > 1, items.last == "" { items.removeLast() }
        if items == [""] { return .tuple([]) }
        let scalars = items.map(scalar)
        guard scalars.allSatisfy({ $0 != nil }) else { return nil }
        return .tuple(scalars.map { $0! })
    }

    private static func scalar(_ text: String) -> Literal? {
        switch text {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .pythonNone
        default: break
        }
        guard isPythonNumber(text), let value = Double(text), value.isFinite else { return nil }
        return .number(value, isInteger: !text.contains(where: { ".eE".contains($0) }))
    }

    /// `[+-]digits[.digits][e[+-]digits]` or `[+-].digits…`: what Python reads as an int or float literal
    /// (Swift's `Double(_:)` alone would also take `inf`, `nan` and hex).
    private static func isPythonNumber(_ text: String) -> Bool {
        var rest = Substring(text)
        if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
        let mantissaEnd = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) ?? rest.endIndex
        let mantissa = rest[..<mantissaEnd]
        let pieces = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count <= 2, pieces.contains(where: { !$0.isEmpty }),
            pieces.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) })
        else { return false }
        guard mantissaEnd != rest.endIndex else { return true }
        var exponent = rest[rest.index(after: mantissaEnd)...]
        if exponent.first == "+" || exponent.first == "-" { exponent = exponent.dropFirst() }
        return !exponent.isEmpty && exponent.allSatisfy(\.isASCIIDigit)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
