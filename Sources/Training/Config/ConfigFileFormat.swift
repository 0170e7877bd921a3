import Foundation
import TOMLKit

/// The syntax of a configuration file.
public enum ConfigFileFormat: String, Sendable, CaseIterable {
    case toml
    case json

    /// The format named by a file's extension (`.toml`, `.json`), or guessed from its content: a file whose first
    /// non-blank character is `{` is JSON, anything else TOML.
    public static func detect(path: String, content: String) -> ConfigFileFormat {
        switch (path as NSString).pathExtension.lowercased() {
        case "toml": return .toml
        case "json": return .json
        default:
            let first = content.first { !$0.isWhitespace }
            return first == "{" ? .json : .toml
        }
    }

    /// Parses `content` into top-level keys. Tables one level deep are merged into the top level, as sd-scripts'
    /// `read_config_from_file` does, so `[training] learning_rate = 1e-4` means `learning_rate = 1e-4`; a key set in
    /// two tables is an error (sd-scripts silently keeps the last one).
    func parse(_ content: String) throws(ConfigError) -> [String: ConfigValue] {
        let document: [String: ConfigValue]
        switch self {
        case .toml:
            do {
                let table = try TOMLTable(string: content)
                guard case .table(let entries) = Self.convert(table) else {
                    preconditionFailure("a TOML document is a table")
                }
                document = entries
            } catch let error as TOMLParseError {
                throw ConfigError(issues: [
                    ConfigIssue(
                        key: "",
                        message:
                            "TOML syntax error at line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)"
                    )
                ])
            } catch {
                throw ConfigError(issues: [ConfigIssue(key: "", message: "TOML syntax error: \(error)")])
            }
        case .json:
            do {
                document = try JSONDecoder().decode([String: ConfigValue].self, from: Data(content.utf8))
            } catch {
                throw ConfigError(issues: [
                    ConfigIssue(key: "", message: "not a JSON object of options: \(Self.describe(error))")
                ])
            }
        }
        return try Self.flatten(document)
    }

    private static func flatten(_ document: [String: ConfigValue]) throws(ConfigError) -> [String: ConfigValue] {
        var flat: [String: ConfigValue] = [:]
        var origin: [String: String] = [:]
        var issues: [ConfigIssue] = []
        for section in document.keys.sorted() {
            guard case .table(let entries) = document[section]! else { continue }
            for (key, value) in entries {
                if let previous = origin[key] {
                    issues.append(
                        ConfigIssue(key: key, message: "set in both [\(previous)] and [\(section)]; keep one"))
                }
                flat[key] = value
                origin[key] = section
            }
        }
        for (key, value) in document {
            if case .table = value { continue }
            if let section = origin[key] {
                issues.append(ConfigIssue(key: key, message: "set both at the top level and in [\(section)]; keep one"))
            }
            flat[key] = value
        }
        if !issues.isEmpty { throw ConfigError(issues: issues.sorted { $0.key < $1.key }) }
        return flat
    }

    static func convert(_ value: any TOMLValueConvertible) -> ConfigValue {
        switch value.type {
        case .table:
            var entries: [String: ConfigValue] = [:]
            for (key, child) in value.table! { entries[key] = convert(child) }
            return .table(entries)
        case .array: return .array(value.array!.map { convert($0) })
        case .string: return .string(value.string!)
        case .int: return .integer(value.int!)
        case .double: return .double(value.double!)
        case .bool: return .bool(value.bool!)
        // No option takes a date; keep its text so the type error can show it.
        case .date, .time, .dateTime: return .string(value.tomlValue.debugDescription)
        }
    }

    private static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return String(describing: error) }
        switch decoding {
        case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context),
            .keyNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return [path.isEmpty ? nil : "at \(path)", context.debugDescription, underlying]
                .compactMap { $0 }.joined(separator: ": ")
        @unknown default:
            return String(describing: decoding)
        }
    }
}
