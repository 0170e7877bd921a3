/// One 512-byte tar header block (POSIX ustar, also read for old v7 and GNU archives).
struct TarHeader {
    /// The type flag: `0` or NUL a file, `5` a folder, `x`/`g` pax records, `L` a GNU long name, …
    let type: Character
    /// The name, with the ustar prefix joined in front; nil when it is not UTF-8.
    let path: String?
    /// The data size; nil when the field is not a number.
    let size: Int64?

    /// Parses `block`; nil when its checksum is wrong (the block is not a tar header).
    init?(_ block: [UInt8]) {
        guard block.count == 512, Self.checksumMatches(block) else { return nil }
        type = Character(Unicode.Scalar(block[156]))
        size = Self.number(block[124..<136])
        let name = Self.string(block[0..<100])
        let isUstar = block[257..<262].elementsEqual("ustar".utf8)
        let prefix = isUstar ? Self.string(block[345..<500]) : ""
        if let name, let prefix {
            path = prefix.isEmpty ? name : prefix + "/" + name
        } else {
            path = nil
        }
    }

    /// The sum of the header's bytes with the checksum field read as spaces, as an octal number in that field.
    private static func checksumMatches(_ block: [UInt8]) -> Bool {
        guard let stored = number(block[148..<156]) else { return false }
        var sum: Int64 = 0
        for (index, byte) in block.enumerated() { sum += (148..<156).contains(index) ? 32 : Int64(byte) }
        return sum == stored
    }

    /// A NUL-terminated field as UTF-8.
    private static func string(_ field: ArraySlice<UInt8>) -> String? {
        String(bytes: field.prefix { $0 != 0 }, encoding: .utf8)
    }

    /// An octal field (spaces and NULs around the digits), or GNU's base-256 form when the top bit is set.
    static func number(_ field: ArraySlice<UInt8>) -> Int64? {
        if let first = field.first, first & 0x80 != 0 {
            guard first & 0x40 == 0 else { return nil }  // negative
            var value = Int64(first & 0x3F)
            for byte in field.dropFirst() {
                guard value <= Int64.max >> 8 else { return nil }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        let digits = field.drop { $0 == 0x20 }.prefix { $0 != 0 && $0 != 0x20 }
        guard !digits.isEmpty, digits.count <= 21, digits.allSatisfy({ (0x30...0x37).contains($0) }) else {
            return nil
        }
        return digits.reduce(Int64(0)) { $0 * 8 + Int64($1 - 0x30) }
    }
}
