/// A value as sd-scripts holds it before writing metadata, rendered the two ways it writes values: Python's `str()`
/// (most `ss_*` keys) and `json.dumps` with its defaults (the JSON-valued keys). The two differ for `None`/`null`,
/// booleans, strings inside containers and tuples, so the type keeps Python's distinctions.
public indirect enum PythonValue: Sendable, Equatable {
    /// Python's `None`.
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list([PythonValue])
    case tuple([PythonValue])
    /// A dict in insertion order (Python's dicts keep it, and `json.dumps` writes it).
    case dict([(String, PythonValue)])

    public static func == (lhs: PythonValue, rhs: PythonValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.float(let a), .float(let b)): a == b || (a.isNaN && b.isNaN)
        case (.string(let a), .string(let b)): a == b
        case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)): a == b
        case (.dict(let a), .dict(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: false
        }
    }

    /// Python's `str(value)`.
    public var pythonString: String {
        if case .string(let text) = self { return text }
        return pythonRepr
    }

    /// Python's `repr(value)`, which `str()` of a container uses for its elements.
    public var pythonRepr: String {
        switch self {
        case .null: return "None"
        case .bool(let value): return value ? "True" : "False"
        case .int(let value): return String(value)
        case .float(let value): return Self.floatRepr(value)
        case .string(let text): return Self.stringRepr(text)
        case .list(let items): return "[" + items.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .tuple(let items):
            return items.count == 1
                ? "(\(items[0].pythonRepr),)" : "(" + items.map(\.pythonRepr).joined(separator: ", ") + ")"
        case .dict(let entries):
            return "{" + entries.map { Self.stringRepr($0.0) + ": " + $0.1.pythonRepr }.joined(separator: ", ") + "}"
        }
    }

    /// `json.dumps(value)`: `", "` and `": "` separators, non-ASCII escaped as `\uXXXX`, floats as `repr`, NaN and
    /// infinities as Python writes them (`NaN`, `Infinity`), tuples as arrays.
    public var json: String {
        var output = ""
        appendJSON(to: &output, indent: nil, level: 0)
        return output
    }

    /// `json.dumps(value, indent: indent)`: one item per line, `","` and `": "` separators.
    public func json(indent: Int) -> String {
        var output = ""
        appendJSON(to: &output, indent: indent, level: 0)
        return output
    }

    private func appendJSON(to output: inout String, indent: Int?, level: Int) {
        func container(_ open: String, _ close: String, _ count: Int, _ item: (Int, inout String) -> Void) {
            guard count > 0 else {
                output += open + close
                return
            }
            output += open
            for index in 0..<count {
                if index > 0 { output += indent == nil ? ", " : "," }
                if let indent { output += "\n" + String(repeating: " ", count: indent * (level + 1)) }
                item(index, &output)
            }
            if let indent { output += "\n" + String(repeating: " ", count: indent * level) }
            output += close
        }
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .float(let value):
            output +=
                value.isNaN ? "NaN" : value.isInfinite ? (value < 0 ? "-Infinity" : "Infinity") : Self.floatRepr(value)
        case .string(let text): output += Self.jsonString(text)
        case .list(let items), .tuple(let items):
            container("[", "]", items.count) { index, out in
                items[index].appendJSON(to: &out, indent: indent, level: level + 1)
            }
        case .dict(let entries):
            container("{", "}", entries.count) { index, out in
                out += Self.jsonString(entries[index].0) + ": "
                entries[index].1.appendJSON(to: &out, indent: indent, level: level + 1)
            }
        }
    }

    /// Python's float `repr`: the shortest digits that round-trip (as Swift's `description`), written in fixed
    /// notation for decimal exponents −4 … 15 (always with a fractional part) and as `d.ddde±XX` otherwise.
    static func floatRepr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description has the same shortest round-trip digits; only the layout differs.
        var text = "\(value.magnitude)"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...])!
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let integer = String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = integer + fraction
        // Decimal exponent of the first digit: position of the point relative to the digits.
        var pointPosition = integer.count + exponent
        let leadingZeros = digits.prefix { $0 == "0" }.count
        digits.removeFirst(leadingZeros)
        pointPosition -= leadingZeros
        while digits.count > 1 && digits.hasSuffix("0") { digits.removeLast() }
        let decimalExponent = pointPosition - 1
        let sign = value < 0 ? "-" : ""
        if decimalExponent < -4 || decimalExponent >= 16 {
            let mantissa = digits.count == 1 ? digits : digits.prefix(1) + "." + digits.dropFirst()
            let magnitude = abs(decimalExponent)
            return sign + mantissa + "e" + (decimalExponent < 0 ? "-" : "+") + (magnitude < 10 ? "0" : "")
                + String(magnitude)
        }
        if pointPosition <= 0 {
            return sign + "0." + String(repeating: "0", count: -pointPosition) + digits
        }
        if pointPosition >= digits.count {
            return sign + digits + String(repeating: "0", count: pointPosition - digits.count) + ".0"
        }
        return sign + digits.prefix(pointPosition) + "." + digits.dropFirst(pointPosition)
    }

    /// Python's `repr` of a str: single quotes unless the text has `'` and no `"`; backslash escapes for the
    /// quote, `\\`, `\t`, `\n`, `\r` and other non-printable ASCII (`\xNN`); printable non-ASCII kept as is.
    static func stringRepr(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var output = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": output += "\\\\"
            case "\t": output += "\\t"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case _ where Character(scalar) == quote: output += "\\" + String(quote)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                output += "\\x" + hex(scalar.value, width: 2)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output.append(quote)
        return output
    }

    /// `json.dumps` of a str with `ensure_ascii`: `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, other controls and all
    /// non-ASCII as `\u00XX` (lower-case hex), characters beyond the BMP as surrogate pairs.
    static func jsonString(_ text: String) -> String {
        var output = "\""
        for unit in text.utf16 {
            switch unit {
            case 0x22: output += "\\\""
            case 0x5C: output += "\\\\"
            case 0x0A: output += "\\n"
            case 0x0D: output += "\\r"
            case 0x09: output += "\\t"
            case 0x08: output += "\\b"
            case 0x0C: output += "\\f"
            case 0x20..<0x7F: output.unicodeScalars.append(Unicode.Scalar(unit)!)
            default: output += "\\u" + hex(UInt32(unit), width: 4)
            }
        }
        return output + "\""
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
