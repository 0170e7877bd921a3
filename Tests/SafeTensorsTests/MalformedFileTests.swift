import Foundation
import SafeTensors
import Testing

/// One test per way a file can be malformed: each asserts the error case and that its message names the problem.
struct MalformedFileTests {
    /// A valid two-tensor file: "a" (F32 [2]) then "b" (U8 [4]).
    private static let valid = rawFile(
        #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[4],"data_offsets":[8,12]}}"#,
        data: Array(0..<12))

    /// A file with one tensor entry, `{"w": entry}`, and `dataCount` data bytes.
    private func file(entry: String, dataCount: Int = 4) -> Data {
        rawFile(#"{"w":\#(entry)}"#, data: Array(repeating: 0, count: dataCount))
    }

    @Test func validBaseParses() throws {
        let file = try SafeTensorsFile(data: Self.valid)
        #expect(file.entries.map(\.name) == ["a", "b"])
    }

    @Test func truncatedFile() throws {
        let short = parseError(Self.valid.prefix(5))
        #expect(short == .fileTooSmall(byteCount: 5))
        #expect(short?.description.contains("truncated") == true)
        // Every strict prefix of a valid file is rejected, whichever part it cuts.
        for length in 0..<Self.valid.count {
            parseError(Self.valid.prefix(length))
        }
        // The memory-mapped path reports it too.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("cut.safetensors")
        try Self.valid.prefix(Self.valid.count - 3).write(to: url)
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: url) }
        #expect(error == .truncatedData(expected: 12, actual: 9))
        #expect(error?.description.contains("truncated") == true)
        try Data([1, 2, 3]).write(to: url)
        #expect(throws: SafeTensorsError.fileTooSmall(byteCount: 3)) { try SafeTensorsFile(contentsOf: url) }
    }

    @Test func headerLongerThanFile() {
        let headerLength = Self.valid.count - 8 - 12
        let data = lengthField(UInt64(Self.valid.count)) + Self.valid.dropFirst(8)
        let error = parseError(data)
        #expect(error == .headerExceedsFile(declared: UInt64(Self.valid.count), available: headerLength + 12))
        #expect(error?.description.contains("runs past the end of the file") == true)
    }

    @Test func headerLengthOverTheLimit() {
        for declared: UInt64 in [100_000_001, 1 << 40, .max] {
            let error = parseError(lengthField(declared) + Self.valid.dropFirst(8))
            #expect(error == .headerTooLarge(declared: declared))
            #expect(error?.description.contains("exceeds the limit of 100000000") == true)
        }
        // Exactly at the limit the length is allowed, and then fails only for running past the file.
        #expect(
            parseError(lengthField(100_000_000) + Self.valid.dropFirst(8))
                == .headerExceedsFile(
                    declared: 100_000_000, available: Self.valid.count - 8))
    }

    @Test func badJSON() {
        let headers = [
            #"{"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}"#,  // unclosed
            #"{"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4],}}"#,  // trailing comma
            #"{'w':{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#,  // single quotes
            #"{"w":{"dtype":"U8","shape":[04],"data_offsets":[0,4]}}"#,  // leading zero
            #"{"w":{"dtype":"U8\u00","shape":[4],"data_offsets":[0,4]}}"#,  // short \u escape
            #"{"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}} x"#,  // data after the object
            "{\"w\u{1}\":{}}",  // raw control character in a string
            #"{"\ud800":{}}"#,  // unpaired surrogate
            "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}",  // deep
        ]
        for header in headers {
            let error = parseError(rawFile(header, data: [0, 0, 0, 0]))
            guard case .invalidJSON = error else {
                Issue.record("expected invalid JSON for \(header.prefix(80)), got \(String(describing: error))")
                continue
            }
            #expect(error?.description.contains("not valid JSON at header byte") == true)
        }
        // Invalid UTF-8 is rejected before parsing.
        var bytes = Array(rawFile(#"{"w":{}}"#))
        bytes[10] = 0xFF
        #expect(parseError(Data(bytes)) == .headerNotUTF8(offset: 2))
    }

    @Test func nonObjectJSON() {
        for header in ["[1,2]", #""text""#, "42", "null", " {}", ""] {
            let error = parseError(rawFile(header))
            guard case .headerNotObject = error else {
                let found = String(describing: error)
                Issue.record("expected a non-object error for \(header.debugDescription), got \(found)")
                continue
            }
            #expect(error?.description.contains("JSON object") == true)
        }
    }

    @Test func unknownDType() {
        let error = parseError(file(entry: #"{"dtype":"F128","shape":[1],"data_offsets":[0,4]}"#))
        #expect(error == .unknownDType(tensor: "w", dtype: "F128"))
        #expect(error?.description == #"tensor 'w': unknown dtype "F128""#)
        // Dtype names are case-sensitive, as in the reference implementation.
        #expect(
            parseError(file(entry: #"{"dtype":"f32","shape":[1],"data_offsets":[0,4]}"#))
                == .unknownDType(tensor: "w", dtype: "f32"))
        let notString = parseError(file(entry: #"{"dtype":4,"shape":[1],"data_offsets":[0,4]}"#))
        #expect(notString?.description.contains("dtype must be a string") == true)
    }

    @Test func negativeOrNonIntegerShape() {
        let cases = [
            ("[-1]", "-1 is negative"), ("[1.5]", "1.5 is not an integer"), ("[4e0]", "4e0 is not an integer"),
            ("[true]", "found true"), (#"["4"]"#, #"found string "4""#), ("[99999999999999999999]", "too large"),
            ("4", "expected an array, found number 4"),
        ]
        for (shape, problem) in cases {
            let error = parseError(file(entry: #"{"dtype":"U8","shape":\#(shape),"data_offsets":[0,4]}"#))
            guard case .invalidShape(let tensor, _) = error else {
                Issue.record("expected an invalid shape for \(shape), got \(String(describing: error))")
                continue
            }
            #expect(tensor == "w")
            #expect(error?.description.contains("tensor 'w': invalid shape") == true)
            #expect(error?.description.contains(problem) == true, "\(shape)")
        }
    }

    @Test func beginAfterEnd() {
        let error = parseError(file(entry: #"{"dtype":"U8","shape":[0],"data_offsets":[4,0]}"#))
        #expect(error == .invalidDataOffsets(tensor: "w", reason: "begin 4 is after end 0"))
        #expect(error?.description == "tensor 'w': invalid data_offsets: begin 4 is after end 0")
        for offsets in ["[0]", "[0,4,4]", "[-1,3]", "[0,4.0]", "null"] {
            let other = parseError(file(entry: #"{"dtype":"U8","shape":[4],"data_offsets":\#(offsets)}"#))
            guard case .invalidDataOffsets(tensor: "w", _) = other else {
                Issue.record("expected invalid data_offsets for \(offsets), got \(String(describing: other))")
                continue
            }
        }
    }

    @Test func gapBetweenTensors() {
        let error = parseError(
            rawFile(
                #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[8,12]}}"#,
                data: Array(repeating: 0, count: 12)))
        #expect(error == .gap(before: "a", after: "b", range: 4..<8))
        #expect(error?.description == "gap of 4 bytes in the data at [4, 8) between tensor 'a' and tensor 'b'")
        let atStart = parseError(file(entry: #"{"dtype":"U8","shape":[2],"data_offsets":[2,4]}"#))
        #expect(atStart == .gap(before: nil, after: "w", range: 0..<2))
        #expect(atStart?.description.contains("before tensor 'w'") == true)
    }

    @Test func overlappingTensors() {
        // Listed out of order on purpose: tensors are checked in offset order, whatever the header's order.
        let error = parseError(
            rawFile(
                #"{"b":{"dtype":"U8","shape":[8],"data_offsets":[4,12]},"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}"#,
                data: Array(repeating: 0, count: 12)))
        #expect(error == .overlap(tensor: "b", other: "a", start: 4, otherEnd: 8))
        #expect(error?.description == "tensor 'b' starts at data offset 4, inside tensor 'a' which ends at 8")
        // Two tensors on the same bytes overlap too.
        let same = parseError(
            rawFile(
                #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#,
                data: Array(repeating: 0, count: 4)))
        guard case .overlap = same else {
            Issue.record("expected an overlap, got \(String(describing: same))")
            return
        }
    }

    @Test func shapeSizeMismatch() {
        let error = parseError(
            rawFile(
                #"{"unet.conv_in.weight":{"dtype":"F32","shape":[320,4,3,3],"data_offsets":[0,46000]}}"#,
                data: Array(repeating: 0, count: 46000)))
        #expect(
            error
                == .sizeMismatch(
                    tensor: "unet.conv_in.weight", dtype: .float32, shape: [320, 4, 3, 3],
                    expected: 46080, actual: 46000))
        #expect(
            error?.description
                == "tensor 'unet.conv_in.weight': shape [320, 4, 3, 3] needs 46080 bytes of F32 "
                + "but data_offsets span 46000")
        // A shape whose byte count overflows is reported as such, not wrapped around.
        let huge = parseError(file(entry: #"{"dtype":"F32","shape":[4611686018427387904,2],"data_offsets":[0,4]}"#))
        #expect(huge == .sizeOverflow(tensor: "w", dtype: .float32, shape: [1 << 62, 2]))
        #expect(huge?.description.contains("overflows") == true)
    }

    @Test func dataShorterThanDeclared() {
        let error = parseError(Self.valid.dropLast(4))
        #expect(error == .truncatedData(expected: 12, actual: 8))
        #expect(error?.description.contains("need 12 bytes of data but only 8") == true)
    }

    @Test func extraTrailingBytes() {
        let error = parseError(Self.valid + Data([0, 0, 0]))
        #expect(error == .trailingBytes(expected: 12, actual: 15))
        #expect(error?.description.contains("3 extra trailing bytes") == true)
    }

    @Test func metadataValueNotAString() {
        let error = parseError(rawFile(#"{"__metadata__":{"format":"pt","epochs":3}}"#))
        #expect(error == .invalidMetadata(key: "epochs", reason: "value must be a string, found number 3"))
        #expect(error?.description == "__metadata__ entry 'epochs': value must be a string, found number 3")
        let notObject = parseError(rawFile(#"{"__metadata__":["pt"]}"#))
        guard case .invalidMetadata(key: nil, _) = notObject else {
            Issue.record("expected invalid metadata, got \(String(describing: notObject))")
            return
        }
        // serde reads null metadata as none.
        #expect(throws: Never.self) { try SafeTensorsFile(data: rawFile(#"{"__metadata__":null}"#)) }
    }

    @Test func duplicateNames() {
        let tensor = #"{"dtype":"U8","shape":[0],"data_offsets":[0,0]}"#
        #expect(parseError(rawFile(#"{"w":\#(tensor),"w":\#(tensor)}"#)) == .duplicateTensor(name: "w"))
        #expect(
            parseError(rawFile(#"{"__metadata__":{"k":"a","k":"b"}}"#))
                == .invalidMetadata(key: "k", reason: "appears more than once"))
        #expect(
            parseError(rawFile(#"{"__metadata__":null,"__metadata__":{}}"#))
                == .invalidMetadata(key: nil, reason: "appears more than once"))
        let field = parseError(file(entry: #"{"dtype":"U8","dtype":"U8","shape":[4],"data_offsets":[0,4]}"#))
        #expect(field == .invalidTensorEntry(tensor: "w", reason: "field 'dtype' appears more than once"))
    }

    @Test func missingOrMistypedEntry() {
        #expect(
            parseError(file(entry: #"{"dtype":"U8","shape":[4]}"#))
                == .invalidTensorEntry(tensor: "w", reason: "missing 'data_offsets'"))
        #expect(
            parseError(file(entry: "[1]"))
                == .invalidTensorEntry(tensor: "w", reason: "entry must be an object, found an array"))
        // Unknown fields are ignored, as by the reference implementation.
        #expect(throws: Never.self) {
            try SafeTensorsFile(data: file(entry: #"{"dtype":"U8","shape":[4],"data_offsets":[0,4],"extra":[{}]}"#))
        }
    }
}
