import Foundation

/// A header value of the form `value; key=token; key="quoted string"` (Content-Type, Content-Disposition), with
/// RFC 8187 `key*=UTF-8''percent-encoded` parameters decoded.
struct HeaderParameters: Equatable {
    /// The part before the first `;`, lowercased and trimmed (`multipart/form-data`, `form-data`).
    var value: String
    /// The parameters by lowercased name; an extended `name*` parameter replaces a plain `name`.
    var parameters: [String: String]

    init(_ header: String) {
        var scalars = Substring(header)
        value = Self.take(&scalars, until: ";").trimmingCharacters(in: .whitespaces).lowercased()
        parameters = [:]
        var extended: [String: String] = [:]
        while !scalars.isEmpty {
            scalars = scalars.dropFirst()  // the `;`
            let key = Self.take(&scalars, until: "=;").trimmingCharacters(in: .whitespaces).lowercased()
            guard scalars.first == "=" else { continue }
            scalars = scalars.dropFirst()
            scalars = scalars.drop { $0 == " " || $0 == "\t" }
            let parameterValue: String
            if scalars.first == "\"" {
                scalars = scalars.dropFirst()
                var text = ""
                while let character = scalars.first, character != "\"" {
                    scalars = scalars.dropFirst()
                    if character == "\\", let escaped = scalars.first {
                        text.append(escaped)
                        scalars = scalars.dropFirst()
                    } else {
                        text.append(character)
                    }
                }
                scalars = scalars.dropFirst()  // the closing quote
                _ = Self.take(&scalars, until: ";")
                parameterValue = text
            } else {
                parameterValue = Self.take(&scalars, until: ";").trimmingCharacters(in: .whitespaces)
            }
            if key.hasSuffix("*") {
                if let decoded = Self.decodeExtended(parameterValue) { extended[String(key.dropLast())] = decoded }
            } else {
                parameters[key] = parameterValue
            }
        }
        parameters.merge(extended) { _, new in new }
    }

    private static func take(_ text: inout Substring, until separators: String) -> String {
        let taken = text.prefix { !separators.contains($0) }
        text = text.dropFirst(taken.count)
        return String(taken)
    }

    /// `UTF-8'lang'percent-encoded` (RFC 8187); nil for another charset or bad encoding.
    private static func decodeExtended(_ value: String) -> String? {
        let parts = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].lowercased() == "utf-8" else { return nil }
        return String(parts[2]).removingPercentEncoding
    }
}
