/// Writes header JSON byte-for-byte as the Rust crate (serde_json, compact) does, so that our files are identical
/// to those of the Python `safetensors` package.
enum HeaderEncoding {
    /// Appends `text` as a JSON string: serde_json escapes `"`, `\` and control characters (short forms where JSON
    /// has them, else `\u00xx` in lowercase hex) and writes everything else, including non-ASCII, as raw UTF-8.
    static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
            case 0x08: output.append(contentsOf: #"\b"#.utf8)
            case 0x09: output.append(contentsOf: #"\t"#.utf8)
            case 0x0A: output.append(contentsOf: #"\n"#.utf8)
            case 0x0C: output.append(contentsOf: #"\f"#.utf8)
            case 0x0D: output.append(contentsOf: #"\r"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Appends `[a,b,c]`.
    static func appendIntegers(_ values: [Int], to output: inout [UInt8]) {
        output.append(UInt8(ascii: "["))
        output.append(contentsOf: values.map(String.init).joined(separator: ",").utf8)
        output.append(UInt8(ascii: "]"))
    }
}
