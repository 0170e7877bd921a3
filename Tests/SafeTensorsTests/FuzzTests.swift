import Foundation
import SafeTensors
import TestSupport
import Testing

/// Seeded, deterministic mutation fuzzing: every mutated file either parses, and then all of its tensors are readable
/// within bounds and consistent with the file, or is rejected with a `SafeTensorsError`. A crash or any other error
/// fails the test.
struct FuzzTests {
    static let iterations = 4000

    @Test func mutatedFilesParseOrThrowButNeverCrash() throws {
        var generator = SplitMix64(seed: 0x5AFE_7E45)
        let seeds = try Self.seeds()
        var parsed = 0
        var rejected = 0
        for iteration in 0..<Self.iterations {
            var bytes = seeds[iteration % seeds.count]
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                Self.mutate(&bytes, using: &generator)
            }
            let data = Data(bytes)
            let file: SafeTensorsFile
            do {
                file = try SafeTensorsFile(data: data)
            } catch is SafeTensorsError {
                rejected += 1
                continue
            }
            parsed += 1
            try Self.checkReadable(file, bytes)
        }
        // Guards against a mutator so weak (or so destructive) that one of the two paths goes untested.
        #expect(parsed > Self.iterations / 20, "parsed \(parsed)")
        #expect(rejected > Self.iterations / 2, "rejected \(rejected)")
    }

    /// Valid files covering every dtype, scalars, empty tensors, metadata, escapes, a header with whitespace and
    /// out-of-order keys, and the Python reference file.
    static func seeds() throws -> [[UInt8]] {
        var everyDType = SafeTensorsWriter(metadata: ["format": "pt", "note": "fuzz \"seed\"\n"])
        for (index, dtype) in SafeTensorsDType.allCases.enumerated() {
            let count = 3 * dtype.byteSize * (index % 3 + 1)
            try everyDType.add(
                "t.\(dtype.rawValue)", dtype: dtype, shape: [3, index % 3 + 1],
                bytes: (0..<count).map { UInt8(truncatingIfNeeded: $0 * 31 + index) })
        }
        var shapes = SafeTensorsWriter()
        try shapes.add("scalar", shape: [], floats: [1.5], as: .float64)
        try shapes.add("empty", shape: [2, 0], floats: [], as: .bfloat16)
        try shapes.add("é/😀", shape: [4], floats: [1, -2, .nan, .infinity], as: .float16)
        try shapes.add("mask", dtype: .bool, shape: [3], bytes: [0, 1, 1])
        let handWritten = rawFile(
            """
            { "b" : {"shape": [2], "dtype": "I16", "data_offsets": [4, 8]},
              "a": {"data_offsets": [0, 4], "dtype": "F32", "shape": [ ]}, "__metadata__": {"k": "v\\u00e9"} }
            """, data: Array(0..<8), pad: false)
        let reference = try Data(contentsOf: ReferenceFileTests.url)
        return [try everyDType.serialized(), try shapes.serialized(), handWritten, reference].map { Array($0) }
    }

    // MARK: Mutations

    static func mutate(_ bytes: inout [UInt8], using generator: inout SplitMix64) {
        switch Int.random(in: 0..<8, using: &generator) {
        case 0:  // flip bits, mostly in the header where they matter most
            for _ in 0..<Int.random(in: 1...4, using: &generator) where !bytes.isEmpty {
                let region = headerRange(bytes).flatMap { !$0.isEmpty && Bool.random(using: &generator) ? $0 : nil }
                let index = Int.random(in: region ?? 0..<bytes.count, using: &generator)
                bytes[index] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
            }
        case 1:  // truncate
            bytes.removeLast(Int.random(in: 0...bytes.count, using: &generator))
        case 2:  // append junk
            for _ in 0..<Int.random(in: 1...16, using: &generator) {
                bytes.append(UInt8.random(in: 0...255, using: &generator))
            }
        case 3:  // edit the header length
            let candidates: [UInt64] = [
                0, 1, 7, UInt64(max(bytes.count - 8, 0)), UInt64(bytes.count), 100_000_000, 100_000_001, .max,
                UInt64.random(in: 0...UInt64(bytes.count + 16), using: &generator),
                UInt64.random(in: 0...UInt64.max, using: &generator),
            ]
            let length = candidates.randomElement(using: &generator) ?? 0
            if bytes.count < 8 { bytes += Array(repeating: 0, count: 8 - bytes.count) }
            bytes.replaceSubrange(0..<8, with: littleEndianBytes([length]))
        case 4:  // replace a number in the header
            let replacements = [
                "0", "1", "-1", "1.5", "1e3", "2.0", "9223372036854775807", "9223372036854775808",
                "18446744073709551616", "4611686018427387904", "", "true", "null", "[]", "\"7\"",
            ]
            editHeader(&bytes, using: &generator) { header, generator in
                let numbers = ranges(in: header) { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
                guard let range = numbers.randomElement(using: &generator) else { return }
                let original = Int(String(decoding: header[range], as: UTF8.self)) ?? 0
                let options = replacements + ["\(original &+ 1)", "\(max(original - 1, 0))", "\(original &* 2)"]
                header.replaceSubrange(range, with: Array((options.randomElement(using: &generator) ?? "").utf8))
            }
        case 5:  // replace a string (a dtype, key or metadata value) in the header
            let replacements =
                SafeTensorsDType.allCases.map(\.rawValue) + [
                    "F128", "f32", "", "__metadata__", "dtype", "shape", "data_offsets", "a", "b", "\\u0000", "\\ud800",
                ]
            editHeader(&bytes, using: &generator) { header, generator in
                let strings = quotedContents(of: header)
                guard let range = strings.randomElement(using: &generator) else { return }
                header.replaceSubrange(range, with: Array((replacements.randomElement(using: &generator) ?? "").utf8))
            }
        case 6:  // delete, duplicate or insert a slice of the header
            editHeader(&bytes, using: &generator) { header, generator in
                guard !header.isEmpty else { return }
                let start = Int.random(in: 0..<header.count, using: &generator)
                let end = min(header.count, start + Int.random(in: 1...24, using: &generator))
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: header.removeSubrange(start..<end)
                case 1:
                    let copy = Array(header[start..<end])
                    header.insert(contentsOf: copy, at: Int.random(in: 0...header.count, using: &generator))
                default:
                    let tokens = ["{", "}", "[", "]", ",", ":", "\"", " ", "-", "0", "\\", "\u{FF}", "{\"x\":{}}"]
                    header.insert(contentsOf: Array((tokens.randomElement(using: &generator) ?? "").utf8), at: start)
                }
            }
        default:  // scramble the data section, which must never affect parsing
            guard let header = headerRange(bytes), header.upperBound < bytes.count else { return }
            let index = Int.random(in: header.upperBound..<bytes.count, using: &generator)
            bytes[index] = UInt8.random(in: 0...255, using: &generator)
        }
    }

    /// Where the header lies according to the length field, if it fits in the file.
    static func headerRange(_ bytes: [UInt8]) -> Range<Int>? {
        guard bytes.count >= 8 else { return nil }
        let length = declaredHeaderLength(bytes)
        guard length <= UInt64(bytes.count - 8) else { return nil }
        return 8..<8 + Int(length)
    }

    /// Applies `edit` to the header text and, most of the time, rewrites the length field (and sometimes the
    /// padding) to match, so the edit reaches the JSON and layout validation rather than stopping at the length.
    static func editHeader(
        _ bytes: inout [UInt8], using generator: inout SplitMix64,
        _ edit: (inout [UInt8], inout SplitMix64) -> Void
    ) {
        guard let range = headerRange(bytes) else { return }
        var header = Array(bytes[range])
        edit(&header, &generator)
        if Int.random(in: 0..<10, using: &generator) < 8 {
            while let last = header.last, last == UInt8(ascii: " ") { header.removeLast() }
            if Bool.random(using: &generator) {
                header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
            }
            bytes.replaceSubrange(0..<8, with: littleEndianBytes([UInt64(header.count)]))
        }
        bytes.replaceSubrange(range, with: header)
    }

    /// Maximal runs of bytes satisfying `predicate`.
    static func ranges(in bytes: [UInt8], where predicate: (UInt8) -> Bool) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start: Int?
        for (index, byte) in bytes.enumerated() {
            if predicate(byte) {
                if start == nil { start = index }
            } else if let begin = start {
                result.append(begin..<index)
                start = nil
            }
        }
        if let begin = start { result.append(begin..<bytes.count) }
        return result
    }

    /// The contents of the `"..."` strings of a header (escapes ignored: good enough to pick edit targets).
    static func quotedContents(of header: [UInt8]) -> [Range<Int>] {
        let quotes = header.indices.filter { header[$0] == UInt8(ascii: "\"") }
        return stride(from: 0, to: quotes.count - 1, by: 2).map { quotes[$0] + 1..<quotes[$0 + 1] }
    }

    // MARK: Checks on files that parsed

    /// Validation promises that every tensor's bytes lie in the data section, tile it exactly and match the
    /// shape; read each tensor fully to prove it.
    static func checkReadable(_ file: SafeTensorsFile, _ bytes: [UInt8]) throws {
        let header = try #require(headerRange(bytes))
        let dataLength = bytes.count - header.upperBound
        var end = 0
        for entry in file.entries {
            #expect(file[entry.name] == entry)
            #expect(entry.dataRange.lowerBound == end)
            #expect(entry.byteCount == entry.elementCount * entry.dtype.byteSize)
            end = entry.dataRange.upperBound
            let stored = try storedBytes(file, entry.name)
            let dataStart = header.upperBound
            #expect(stored == Array(bytes[(dataStart + entry.dataRange.lowerBound)..<(dataStart + end)]))
            if [.float64, .float32, .float16, .bfloat16, .int64, .int32, .uint8, .bool].contains(entry.dtype) {
                #expect(try file.floats(entry.name).count == entry.elementCount)
            }
        }
        #expect(end == dataLength)
    }
}
