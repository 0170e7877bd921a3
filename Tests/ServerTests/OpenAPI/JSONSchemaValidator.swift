import Foundation
import Training

/// A JSON Schema (2020-12) validator for the subset the OpenAPI document uses: `type` (a name or a list, so
/// `["string", "null"]` is nullable), `enum`, `properties`, `required`, `additionalProperties`, `items`, `oneOf`,
/// `$ref` (local JSON pointers), `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `minLength`,
/// `maxLength` and `pattern`. A schema with any other keyword that constrains values is reported rather than
/// passed, so that the document cannot lean on a check this validator does not make.
///
/// JSON values are Training's `ConfigValue`, whose decoding keeps booleans, integers and other numbers apart.
struct JSONSchemaValidator {
    /// The whole document, for `$ref`s.
    let document: ConfigValue

    /// Keywords that only describe (or that a schema of a non-JSON body uses) and constrain nothing here.
    static let annotations: Set<String> = [
        "description", "title", "example", "examples", "default", "format", "contentMediaType", "deprecated",
    ]

    /// Every way `value` breaks `schema`, each as "location: reason"; empty when it validates.
    func errors(_ value: ConfigValue, against schema: ConfigValue, at location: String = "$") -> [String] {
        guard case .table(let keywords) = schema else {
            if case .bool(let allowed) = schema { return allowed ? [] : ["\(location): no value is allowed here"] }
            return ["\(location): the schema is not an object"]
        }
        var problems: [String] = []
        for (keyword, argument) in keywords.sorted(by: { $0.key < $1.key }) {
            problems += check(keyword, argument, keywords, value, location)
        }
        return problems
    }

    private func check(
        _ keyword: String, _ argument: ConfigValue, _ schema: [String: ConfigValue], _ value: ConfigValue,
        _ location: String
    ) -> [String] {
        switch keyword {
        case "$ref":
            guard case .string(let reference) = argument, let target = resolve(reference) else {
                return ["\(location): $ref \(argument) does not resolve"]
            }
            return errors(value, against: target, at: location)
        case "type":
            let names: [String]
            switch argument {
            case .string(let name): names = [name]
            case .array(let list): names = list.compactMap { if case .string(let name) = $0 { name } else { nil } }
            default: return ["\(location): type \(argument) is not a name or a list of names"]
            }
            return names.contains { Self.has(type: $0, value) }
                ? [] : ["\(location): \(Self.describe(value)) is not of type \(names.joined(separator: " or "))"]
        case "enum":
            guard case .array(let allowed) = argument else { return ["\(location): enum is not a list"] }
            return allowed.contains(value) ? [] : ["\(location): \(value) is not one of \(allowed)"]
        case "properties":
            guard case .table(let object) = value, case .table(let properties) = argument else { return [] }
            return properties.sorted(by: { $0.key < $1.key }).flatMap { name, propertySchema in
                object[name].map { errors($0, against: propertySchema, at: "\(location).\(name)") } ?? []
            }
        case "required":
            guard case .table(let object) = value, case .array(let names) = argument else { return [] }
            return names.compactMap { name in
                guard case .string(let name) = name else { return "\(location): required lists a non-string" }
                return object[name] == nil ? "\(location): \"\(name)\" is required" : nil
            }
        case "additionalProperties":
            guard case .table(let object) = value else { return [] }
            let declared: Set<String>
            if case .table(let properties) = schema["properties"] ?? .table([:]) {
                declared = Set(properties.keys)
            } else {
                declared = []
            }
            return object.keys.sorted().filter { !declared.contains($0) }.flatMap { name in
                errors(object[name]!, against: argument, at: "\(location).\(name)")
            }
        case "items":
            guard case .array(let elements) = value else { return [] }
            return elements.enumerated().flatMap { index, element in
                errors(element, against: argument, at: "\(location)[\(index)]")
            }
        case "oneOf":
            guard case .array(let choices) = argument else { return ["\(location): oneOf is not a list"] }
            let matches = choices.filter { errors(value, against: $0, at: location).isEmpty }.count
            return matches == 1 ? [] : ["\(location): \(value) matches \(matches) of the oneOf schemas, not 1"]
        case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
            guard let number = Self.number(value) else { return [] }
            guard let bound = Self.number(argument) else { return ["\(location): \(keyword) is not a number"] }
            let holds =
                switch keyword {
                case "minimum": number >= bound
                case "maximum": number <= bound
                case "exclusiveMinimum": number > bound
                default: number < bound
                }
            return holds ? [] : ["\(location): \(number) breaks \(keyword) \(bound)"]
        case "minLength", "maxLength":
            guard case .string(let text) = value else { return [] }
            guard case .integer(let bound) = argument else { return ["\(location): \(keyword) is not an integer"] }
            let holds = keyword == "minLength" ? text.count >= bound : text.count <= bound
            return holds ? [] : ["\(location): a string of \(text.count) characters breaks \(keyword) \(bound)"]
        case "pattern":
            guard case .string(let text) = value else { return [] }
            guard case .string(let pattern) = argument, let expression = try? NSRegularExpression(pattern: pattern)
            else { return ["\(location): pattern \(argument) is not a regular expression"] }
            let range = NSRange(text.startIndex..., in: text)
            return expression.firstMatch(in: text, range: range) != nil
                ? [] : ["\(location): \"\(text)\" does not match \(pattern)"]
        default:
            return Self.annotations.contains(keyword) ? [] : ["\(location): the keyword \(keyword) is not supported"]
        }
    }

    /// The keywords `errors(_:against:at:)` checks.
    static let checkedKeywords: Set<String> = [
        "$ref", "type", "enum", "properties", "required", "additionalProperties", "items", "oneOf", "minimum",
        "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern",
    ]

    /// The keywords in `schema` and the schemas inside it that this validator does not check, each as "location:
    /// keyword"; `x-` extensions are allowed.
    func unsupportedKeywords(in schema: ConfigValue, at location: String = "$") -> [String] {
        guard case .table(let keywords) = schema else { return [] }
        var found: [String] = []
        for (keyword, argument) in keywords.sorted(by: { $0.key < $1.key }) {
            switch keyword {
            case "properties":
                if case .table(let properties) = argument {
                    for (name, property) in properties.sorted(by: { $0.key < $1.key }) {
                        found += unsupportedKeywords(in: property, at: "\(location).\(name)")
                    }
                }
            case "items", "additionalProperties":
                found += unsupportedKeywords(in: argument, at: "\(location).\(keyword)")
            case "oneOf":
                for (index, choice) in (argument.arrayValue ?? []).enumerated() {
                    found += unsupportedKeywords(in: choice, at: "\(location).oneOf[\(index)]")
                }
            default:
                if !Self.checkedKeywords.contains(keyword) && !Self.annotations.contains(keyword)
                    && !keyword.hasPrefix("x-")
                {
                    found.append("\(location): \(keyword)")
                }
            }
        }
        return found
    }

    /// The value a local reference (`#/components/schemas/Job`) points to, or nil.
    func resolve(_ reference: String) -> ConfigValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var current = document
        for token in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let name = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard case .table(let object) = current, let next = object[name] else { return nil }
            current = next
        }
        return current
    }

    static func has(type name: String, _ value: ConfigValue) -> Bool {
        switch (name, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .table),
            ("integer", .integer), ("number", .integer), ("number", .double):
            return true
        case ("integer", .double(let number)):
            return number.rounded() == number
        default:
            return false
        }
    }

    static func number(_ value: ConfigValue) -> Double? {
        switch value {
        case .integer(let number): Double(number)
        case .double(let number): number
        default: nil
        }
    }

    static func describe(_ value: ConfigValue) -> String {
        let text = value.description
        return text.count > 80 ? String(text.prefix(80)) + "…" : text
    }
}
