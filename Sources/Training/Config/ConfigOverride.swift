import Foundation
import TOMLKit

/// `--set key=value`: a value typed by its option, since the command line has no types. Booleans are `true`/`false`
/// (also `True`/`False`); numbers as usual; lists are a TOML/JSON array literal (`[1e-4, 5e-5]`) or comma- or
/// space-separated items (`1e-4,5e-5`; for `key=value` lists such as `optimizer_args`, a piece without `=` belongs to
/// the previous one, so `betas=0.9,0.999` stays whole); strings and paths are taken verbatim. An empty value
/// (`key=`) restores the default. Relative paths are resolved against the working directory.
enum ConfigOverride {
    static func parse(_ text: String) throws(ConfigIssue) -> (key: String, value: ConfigValue) {
        guard let equals = text.firstIndex(of: "=") else {
            throw ConfigIssue(key: text, message: "an override must be key=value")
        }
        let key = String(text[..<equals]).trimmingCharacters(in: .whitespaces)
        let raw = String(text[text.index(after: equals)...])
        guard !key.isEmpty else { throw ConfigIssue(key: "", message: "\"\(text)\": the key before = is missing") }
        if raw.isEmpty { return (key, .string("")) }
        let target = KohyaGUIKeys.renamed[key] ?? key
        switch ConfigOptions.all[target]?.kind {
        case .string?:
            // sample_prompts also takes a list; no path starts with "[".
            if raw.hasPrefix("["), case .array? = literal(raw) { return (key, literal(raw)!) }
            return (key, .string(raw))
        case .bool?:
            switch raw {
            case "true", "True": return (key, .bool(true))
            case "false", "False": return (key, .bool(false))
            default: throw ConfigIssue(key: key, message: "expected true or false, got \"\(raw)\"")
            }
        case .integer?, .number?: return (key, scalar(raw))
        case .numberList?:
            if let array = literal(raw) { return (key, array) }
            return (key, .array(raw.split { $0 == "," || $0.isWhitespace }.map { scalar(String($0)) }))
        case .stringList?:
            if let array = literal(raw) { return (key, array) }
            var items: [String] = []
            for piece in raw.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init) {
                if !piece.contains("="), let last = items.popLast() {
                    items.append(last + "," + piece)
                } else {
                    items.append(piece)
                }
            }
            return (key, .array(items.map(ConfigValue.string)))
        case nil:
            // GUI names and ignored keys: read as TOML would, else as a string.
            return (key, literal(raw) ?? .string(raw))
        }
    }

    private static func scalar(_ text: String) -> ConfigValue {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let integer = Int(trimmed) { return .integer(integer) }
        if let number = Double(trimmed), number.isFinite { return .double(number) }
        return .string(text)
    }

    /// `text` as a TOML value (`[…]`, a number, a boolean, a quoted string), or `nil`.
    private static func literal(_ text: String) -> ConfigValue? {
        guard let table = try? TOMLTable(string: "value = \(text)"), let value = table["value"] else { return nil }
        return ConfigFileFormat.convert(value)
    }
}
