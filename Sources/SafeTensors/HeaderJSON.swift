/// A JSON value as read from a safetensors header.
///
/// Our own strict RFC 8259 parser rather than `JSONSerialization`, because header validation needs what that API
/// loses: object keys in order with duplicates kept (so repeated tensor names are detected), number literals
/// verbatim (so 64-bit offsets stay exact and `1.0` or `true` are not taken for integers), and a nesting limit
/// (so a hostile header cannot exhaust the stack).
enum JSONValue {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// The literal exactly as written, already checked against the JSON number grammar.
    case number(String)
    case bool(Bool)
    case null

    /// A short description of the value for error messages, e.g. `string "F32"` or `number 1.5`.
    var summary: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string(let text): "string \(text.debugDescription)"
        case .number(let literal): "number \(literal)"
        case .bool(let value): "\(value)"
        case .null: "null"
        }
    }

    /// The value as an `Int` if it is a non-negative integer literal (`0`, `17`; not `-1`, `1.0`, `1e3`).
    var nonNegativeInteger: Result<Int, IntegerProblem> {
        guard case .number(let literal) = self else { return .failure(.notANumber(summary)) }
        if literal.hasPrefix("-") { return .failure(.negative(literal)) }
        var value = 0
        for digit in literal.utf8 {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else {
                return .failure(.notAnInteger(literal))
            }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return .failure(.tooLarge(literal)) }
            value = sum
        }
        return .success(value)
    }

    enum IntegerProblem: Error, CustomStringConvertible {
        case notANumber(String), negative(String), notAnInteger(String), tooLarge(String)

        var description: String {
            switch self {
            case .notANumber(let summary): "expected a non-negative integer, found \(summary)"
            case .negative(let literal): "\(literal) is negative"
            case .notAnInteger(let literal): "\(literal) is not an integer"
            case .tooLarge(let literal): "\(literal) is too large"
            }
        }
    }
}

/// Parses one JSON document from UTF-8 bytes that the caller has already validated as UTF-8.
struct JSONParser {
    /// Far deeper than any valid header (3 levels), far shallower than the stack allows.
    static let maxDepth = 64

    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    /// Parses `bytes` as one JSON object, starting at the first byte, followed only by whitespace (the header's
    /// space padding), and returns its members in order.
    static func parseObject(
        _ bytes: UnsafeRawBufferPointer
    ) throws(SafeTensorsError) -> [(key: String, value: JSONValue)] {
        var parser = JSONParser(bytes: bytes)
        guard parser.current == UInt8(ascii: "{") else { throw parser.unexpected("'{'") }
        let members = try parser.parseObject(depth: 0)
        parser.skipWhitespace()
        if parser.position < bytes.count { throw parser.failure("unexpected data after the top-level object") }
        return members
    }

    private init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private func failure(_ reason: String) -> SafeTensorsError {
        .invalidJSON(offset: position, reason: reason)
    }

    private func unexpected(_ expectation: String) -> SafeTensorsError {
        guard let byte = current else { return failure("unexpected end of header, expected \(expectation)") }
        let found = byte >= 0x20 && byte < 0x7F
            ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
        return failure("expected \(expectation), found \(found)")
    }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private mutating func expect(_ byte: UInt8, _ expectation: String) throws(SafeTensorsError) {
        guard current == byte else { throw unexpected(expectation) }
        position += 1
    }

    private mutating func parseValue(depth: Int) throws(SafeTensorsError) -> JSONValue {
        guard depth < Self.maxDepth else { throw failure("nested more than \(Self.maxDepth) levels deep") }
        guard let byte = current else { throw unexpected("a value") }
        switch byte {
        case UInt8(ascii: "{"): return .object(try parseObject(depth: depth))
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseKeyword("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseKeyword("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseKeyword("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw unexpected("a value")
        }
    }

    private mutating func parseObject(depth: Int) throws(SafeTensorsError) -> [(key: String, value: JSONValue)] {
        position += 1  // "{"
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return members
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw unexpected("a string key") }
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after an object key")
            skipWhitespace()
            members.append((key, try parseValue(depth: depth + 1)))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}' in an object")
            return members
        }
    }

    private mutating func parseArray(depth: Int) throws(SafeTensorsError) -> JSONValue {
        position += 1  // "["
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "]"), "',' or ']' in an array")
            return .array(elements)
        }
    }

    private mutating func parseKeyword(_ keyword: StaticString) throws(SafeTensorsError) {
        let text = UnsafeRawBufferPointer(start: keyword.utf8Start, count: keyword.utf8CodeUnitCount)
        guard bytes.count - position >= text.count, bytes[position..<position + text.count].elementsEqual(text) else {
            throw unexpected("'\(keyword)'")
        }
        position += text.count
    }

    /// Checks the number grammar `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` and returns the literal.
    private mutating func parseNumber() throws(SafeTensorsError) -> String {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") {
            position += 1
        } else {
            try digits()
        }
        if current == UInt8(ascii: ".") {
            position += 1
            try digits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            try digits()
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    /// One or more decimal digits.
    private mutating func digits() throws(SafeTensorsError) {
        guard let first = current, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else {
            throw unexpected("a digit")
        }
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { position += 1 }
    }

    private mutating func parseString() throws(SafeTensorsError) -> String {
        position += 1  // opening quote
        var decoded: [UInt8] = []
        var runStart = position
        while true {
            guard let byte = current else { throw failure("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                decoded.append(contentsOf: bytes[runStart..<position])
                position += 1
                // The header was validated as UTF-8 and escapes decode to whole scalars, so nothing is replaced.
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                decoded.append(contentsOf: bytes[runStart..<position])
                try parseEscape(into: &decoded)
                runStart = position
            case 0..<0x20:
                throw failure("control character 0x\(String(byte, radix: 16)) in a string must be escaped")
            default:
                position += 1
            }
        }
    }

    private mutating func parseEscape(into decoded: inout [UInt8]) throws(SafeTensorsError) {
        position += 1  // backslash
        guard let byte = current else { throw failure("unterminated string") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(byte)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try hex4())
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate; together they make one scalar.
                guard bytes.count - position >= 2, bytes[position] == UInt8(ascii: "\\"),
                      bytes[position + 1] == UInt8(ascii: "u") else { throw failure("unpaired surrogate escape") }
                position += 2
                let low = UInt32(try hex4())
                guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("unpaired surrogate escape") }
            UTF8.encode(unicode) { decoded.append($0) }
        default:
            position -= 1
            throw failure("invalid escape '\\\(Character(Unicode.Scalar(byte)))'")
        }
    }

    private mutating func hex4() throws(SafeTensorsError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = Self.hexValue(byte) else { throw unexpected("a hex digit") }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
