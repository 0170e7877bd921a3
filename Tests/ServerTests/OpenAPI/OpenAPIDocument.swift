import Foundation
import HummingbirdTesting
import Testing
import Training

@testable import Server

/// The bundled OpenAPI document, read for the tests: its operations, and the schema each documented response has.
struct OpenAPIDocument {
    /// One operation: a method on a path template such as `/v1/jobs/{id}`.
    struct Operation: Hashable, CustomStringConvertible {
        var method: String
        var path: String
        var description: String { "\(method) \(path)" }
    }

    let root: ConfigValue
    var validator: JSONSchemaValidator { JSONSchemaValidator(document: root) }

    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    init() throws {
        let data = try #require(OpenAPIController.document)
        root = try JSONDecoder().decode(ConfigValue.self, from: data)
    }

    var paths: [String: ConfigValue] {
        if case .table(let paths) = root["paths"] { return paths }
        return [:]
    }

    var operations: Set<Operation> {
        Set(
            paths.flatMap { path, item in
                Self.methods.filter { item[$0] != nil }.map { Operation(method: $0.uppercased(), path: path) }
            })
    }

    /// The operation object of `operation`.
    func object(_ operation: Operation) -> ConfigValue? {
        paths[operation.path]?[operation.method.lowercased()]
    }

    /// The parameters of `operation`, its path item's and its own, with `$ref`s resolved.
    func parameters(_ operation: Operation) -> [ConfigValue] {
        let shared = paths[operation.path]?["parameters"]?.arrayValue ?? []
        let own = object(operation)?["parameters"]?.arrayValue ?? []
        return (shared + own).map(dereferenced)
    }

    /// `value`, or what its `$ref` names.
    func dereferenced(_ value: ConfigValue) -> ConfigValue {
        if case .string(let reference) = value["$ref"], let target = validator.resolve(reference) { return target }
        return value
    }

    /// The documented template a concrete request path matches (`/v1/jobs/ab12` → `/v1/jobs/{id}`).
    func operation(method: String, concretePath: String) -> Operation? {
        let segments = concretePath.split(separator: "?")[0].split(separator: "/")
        return operations.filter { $0.method == method }.first { operation in
            let template = operation.path.split(separator: "/")
            return template.count == segments.count
                && zip(template, segments).allSatisfy { pattern, segment in
                    guard let open = pattern.firstIndex(of: "{"), let close = pattern.firstIndex(of: "}") else {
                        return pattern == segment
                    }
                    let prefix = pattern[..<open]
                    let suffix = pattern[pattern.index(after: close)...]
                    return segment.hasPrefix(prefix) && segment.hasSuffix(suffix)
                        && segment.count > prefix.count + suffix.count
                }
        }
    }

    /// How `response` departs from what the document says `operation` answers: an undocumented status or media
    /// type, or a JSON body (problem documents included) that its schema rejects.
    func problems(of response: TestResponse, for operation: Operation) -> [String] {
        let prefix = "\(operation) → \(response.status.code)"
        guard case .table(let responses) = object(operation)?["responses"] else {
            return ["\(operation) is not documented"]
        }
        guard let documented = responses[String(response.status.code)].map(dereferenced) else {
            return ["\(prefix): the status is not documented"]
        }
        guard case .table(let content) = documented["content"] else {
            return response.body.readableBytes == 0 ? [] : ["\(prefix): a body where none is documented"]
        }
        let mediaType =
            (response.headers[.contentType] ?? "").split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces) ?? ""
        guard let media = content[mediaType] else {
            return ["\(prefix): the media type \(mediaType) is not documented (\(content.keys.sorted()))"]
        }
        guard mediaType.hasSuffix("json"), let schema = media["schema"] else { return [] }
        let value: ConfigValue
        do {
            value = try JSONDecoder().decode(ConfigValue.self, from: Data(response.body.readableBytesView))
        } catch {
            return ["\(prefix): the body is not JSON"]
        }
        return validator.errors(value, against: schema).map { "\(prefix): \($0)" }
    }
}

extension ConfigValue {
    /// The member `key` of an object; nil for other values.
    subscript(key: String) -> ConfigValue? {
        if case .table(let object) = self { return object[key] }
        return nil
    }

    var arrayValue: [ConfigValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    var tableValue: [String: ConfigValue]? {
        if case .table(let object) = self { return object }
        return nil
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}
