import Foundation
import SafeTensors
import Testing

struct RoundTripTests {
    @Test(arguments: SafeTensorsDType.allCases)
    func everyDTypeRoundTrips(dtype: SafeTensorsDType) throws {
        let bytes = (0..<6 * dtype.byteSize).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        var writer = SafeTensorsWriter()
        try writer.add("t", dtype: dtype, shape: [2, 3], bytes: bytes)
        try writer.add("after", dtype: .uint8, shape: [1], bytes: [42])

        let file = try SafeTensorsFile(data: try writer.serialized())
        let entry = try #require(file["t"])
        #expect(entry.dtype == dtype)
        #expect(entry.shape == [2, 3])
        #expect(entry.elementCount == 6)
        #expect(entry.byteCount == bytes.count)
        #expect(try storedBytes(file, "t") == bytes)
        #expect(try storedBytes(file, "after") == [42])
    }

    @Test func dtypeSizesAndSpellings() {
        let expected: [SafeTensorsDType: (String, Int)] = [
            .bool: ("BOOL", 1), .uint8: ("U8", 1), .int8: ("I8", 1), .float8E5M2: ("F8_E5M2", 1),
            .float8E4M3: ("F8_E4M3", 1), .int16: ("I16", 2), .uint16: ("U16", 2), .float16: ("F16", 2),
            .bfloat16: ("BF16", 2), .int32: ("I32", 4), .uint32: ("U32", 4), .float32: ("F32", 4),
            .float64: ("F64", 8), .int64: ("I64", 8), .uint64: ("U64", 8),
        ]
        #expect(expected.count == SafeTensorsDType.allCases.count)
        for dtype in SafeTensorsDType.allCases {
            #expect(dtype.rawValue == expected[dtype]?.0)
            #expect(dtype.byteSize == expected[dtype]?.1)
        }
    }

    @Test func scalarsHaveEmptyShapeAndOneElement() throws {
        var writer = SafeTensorsWriter()
        try writer.add("f32", shape: [], floats: [2.5])
        try writer.add("f64", dtype: .float64, shape: [], bytes: littleEndianBytes([(-0.25 as Double).bitPattern]))
        try writer.add("i64", dtype: .int64, shape: [], bytes: littleEndianBytes([Int64(-7)]))
        let data = try writer.serialized()
        #expect(String(decoding: data, as: UTF8.self).contains(#""f32":{"dtype":"F32","shape":[],"#))

        let file = try SafeTensorsFile(data: data)
        for name in ["f32", "f64", "i64"] {
            let entry = try #require(file[name])
            #expect(entry.shape == [])
            #expect(entry.elementCount == 1)
        }
        #expect(try file.floats("f32") == [2.5])
        #expect(try file.floats("f64") == [-0.25])
        #expect(try file.floats("i64") == [-7])
    }

    @Test func emptyTensorsHaveNoBytes() throws {
        var writer = SafeTensorsWriter()
        try writer.add("a", shape: [0], floats: [])
        try writer.add("b", dtype: .float16, shape: [3, 0, 2], bytes: [])
        try writer.add("c", shape: [1], floats: [1])
        let file = try SafeTensorsFile(data: try writer.serialized())
        for name in ["a", "b"] {
            let entry = try #require(file[name])
            #expect(entry.elementCount == 0)
            #expect(entry.dataRange.isEmpty)
            #expect(try storedBytes(file, name) == [])
            #expect(try file.floats(name) == [])
        }
        #expect(file["b"]?.shape == [3, 0, 2])
        #expect(try file.floats("c") == [1])
    }

    @Test func metadataAndNamesSurviveEscaping() throws {
        let metadata = [
            "format": "pt", "quote\"back\\slash": "line\nfeed\ttab\r\u{8}\u{c}", "control": "\u{1}\u{1f}\u{7f}",
            "unicode": "é 😀 ∑", "empty": "", "slash": "a/b",
        ]
        let name = "weird \"name\"\n/é😀"
        var writer = SafeTensorsWriter(metadata: metadata)
        try writer.add(name, shape: [1], floats: [3])
        let data = try writer.serialized()
        let file = try SafeTensorsFile(data: data)
        #expect(file.metadata == metadata)
        #expect(file.entries.map(\.name) == [name])
        #expect(try file.floats(name) == [3])
        // serde_json's escapes: short forms where JSON has them, lowercase \u00xx for other control characters.
        #expect(String(decoding: data, as: UTF8.self).contains(#""control":"\u0001\u001f"#))
    }

    @Test func headerIsPaddedWithSpacesToAMultipleOf8() throws {
        for length in 1...16 {
            var writer = SafeTensorsWriter()
            try writer.add(String(repeating: "x", count: length), shape: [1], floats: [0], as: .float64)
            let data = try writer.serialized()
            let headerLength = Int(declaredHeaderLength(data))
            #expect(headerLength % 8 == 0)
            #expect(data.count == 8 + headerLength + 8)
            let header = String(decoding: data[8..<8 + headerLength], as: UTF8.self)
            let json = header.prefix { $0 != " " }
            #expect(json.hasSuffix("}"))
            #expect(header.dropFirst(json.count).allSatisfy { $0 == " " })
            #expect(headerLength - json.utf8.count < 8)
        }
    }

    @Test func emptyWriterWritesAnEmptyObject() throws {
        // The same bytes as the Rust crate's `test_empty`.
        let empty = [UInt8](try SafeTensorsWriter().serialized())
        #expect(empty == [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32])
        let file = try SafeTensorsFile(data: try SafeTensorsWriter(metadata: ["framework": "pt"]).serialized())
        #expect(file.entries.isEmpty)
        #expect(file.metadata == ["framework": "pt"])
    }

    @Test func writerLaysOutTensorsWidestDTypeFirstThenByName() throws {
        var writer = SafeTensorsWriter()
        try writer.add("a", dtype: .uint8, shape: [1], bytes: [1])
        try writer.add("c", shape: [1], floats: [1])
        try writer.add("b", shape: [1], floats: [1])
        try writer.add("z", dtype: .float64, shape: [1], bytes: Array(repeating: 0, count: 8))
        try writer.add("h", shape: [1], floats: [1], as: .float16)
        let file = try SafeTensorsFile(data: try writer.serialized())
        #expect(file.entries.map(\.name) == ["z", "b", "c", "h", "a"])
        #expect(file.entries.map(\.dataRange) == [0..<8, 8..<12, 12..<16, 16..<18, 18..<19])
    }

    @Test func floatsConvertEverySupportedDType() throws {
        var writer = SafeTensorsWriter()
        let doubles: [Double] = [1.5, -1e300, 0.1]
        try writer.add("f64", dtype: .float64, shape: [3], bytes: littleEndianBytes(doubles.map(\.bitPattern)))
        try writer.add("i64", dtype: .int64, shape: [2], bytes: littleEndianBytes([Int64.min, (1 << 24) + 1]))
        try writer.add("i32", dtype: .int32, shape: [2], bytes: littleEndianBytes([Int32(-5), 70000]))
        try writer.add("u8", dtype: .uint8, shape: [3], bytes: [0, 128, 255])
        try writer.add("bool", dtype: .bool, shape: [3], bytes: [0, 1, 2])
        try writer.add("f32", shape: [2], floats: [-0.0, .infinity])
        let file = try SafeTensorsFile(data: try writer.serialized())
        #expect(try file.floats("f64") == [1.5, -.infinity, 0.1])
        // Rounded to nearest: 2^24 + 1 is not a Float.
        #expect(try file.floats("i64") == [-0x1p63, 16_777_216])
        #expect(try file.floats("i32") == [-5, 70000])
        #expect(try file.floats("u8") == [0, 128, 255])
        #expect(try file.floats("bool") == [0, 1, 1])
        let f32 = try file.floats("f32")
        #expect(f32.map(\.bitPattern) == [(-0.0 as Float).bitPattern, Float.infinity.bitPattern])
    }

    @Test func readingUnknownOrUnconvertibleTensorsThrows() throws {
        var writer = SafeTensorsWriter()
        try writer.add("i8", dtype: .int8, shape: [1], bytes: [0xFF])
        let file = try SafeTensorsFile(data: try writer.serialized())
        let missing = #expect(throws: SafeTensorsError.self) { try file.floats("nope") }
        #expect(missing == .tensorNotFound(name: "nope"))
        #expect(missing?.description.contains("'nope'") == true)
        #expect(throws: SafeTensorsError.tensorNotFound(name: "nope")) { try file.withBytes("nope") { _ in } }
        let unsupported = #expect(throws: SafeTensorsError.self) { try file.floats("i8") }
        #expect(unsupported == .unsupportedConversion(tensor: "i8", dtype: .int8))
        #expect(try storedBytes(file, "i8") == [0xFF])
    }

    @Test func writerRejectsInconsistentTensors() throws {
        var writer = SafeTensorsWriter()
        try writer.add("w", shape: [2], floats: [1, 2])
        #expect(throws: SafeTensorsError.duplicateTensor(name: "w")) { try writer.add("w", shape: [1], floats: [1]) }
        let wrongBytes = #expect(throws: SafeTensorsError.self) {
            try writer.add("b", dtype: .float32, shape: [2, 2], bytes: [0, 0, 0])
        }
        #expect(wrongBytes?.description == "tensor 'b': shape [2, 2] needs 16 bytes of F32 but 3 were given")
        #expect(throws: SafeTensorsError.elementCountMismatch(tensor: "f", shape: [3], expected: 3, given: 2)) {
            try writer.add("f", shape: [3], floats: [1, 2])
        }
        #expect(throws: SafeTensorsError.unsupportedConversion(tensor: "i", dtype: .int32)) {
            try writer.add("i", shape: [1], floats: [1], as: .int32)
        }
        let negative = #expect(throws: SafeTensorsError.self) { try writer.add("n", shape: [2, -1], floats: []) }
        #expect(negative?.description.contains("'n'") == true)
        #expect(negative?.description.contains("negative") == true)
        #expect(throws: SafeTensorsError.sizeOverflow(tensor: "o", dtype: .float32, shape: [1 << 62, 2])) {
            try writer.add("o", dtype: .float32, shape: [1 << 62, 2], bytes: [])
        }
        #expect(throws: SafeTensorsError.self) { try writer.add("__metadata__", shape: [1], floats: [1]) }
        // The failed adds left the writer unchanged.
        #expect(try SafeTensorsFile(data: try writer.serialized()).entries.map(\.name) == ["w"])
    }

    @Test func writeToURLIsAtomicAndMemoryMapsBack() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("lora.safetensors")

        var first = SafeTensorsWriter(metadata: ["step": "1"])
        try first.add("w", shape: [2, 2], floats: [1, 2, 3, 4])
        try first.write(to: url)
        let mapped = try SafeTensorsFile(contentsOf: url)

        // Replacing the file while it is mapped leaves the open mapping on the old contents.
        var second = SafeTensorsWriter(metadata: ["step": "2"])
        try second.add("w", shape: [3], floats: [5, 6, 7], as: .bfloat16)
        try second.write(to: url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["lora.safetensors"])
        #expect(mapped.metadata == ["step": "1"])
        #expect(try mapped.floats("w") == [1, 2, 3, 4])

        let reread = try SafeTensorsFile(contentsOf: url)
        #expect(reread.metadata == ["step": "2"])
        #expect(reread["w"]?.dtype == .bfloat16)
        #expect(try reread.floats("w") == [5, 6, 7])
        #expect(try Data(contentsOf: url) == (try second.serialized()))
    }

    @Test func fileErrorsNameThePath() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("missing.safetensors")
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: missing) }
        #expect(error?.description.contains(missing.path) == true)
        #expect(throws: SafeTensorsError.notARegularFile(path: directory.path)) {
            try SafeTensorsFile(contentsOf: directory)
        }
        let unwritable = directory.appendingPathComponent("no/such/dir/x.safetensors")
        #expect(throws: SafeTensorsError.self) { try SafeTensorsWriter().write(to: unwritable) }
    }
}
