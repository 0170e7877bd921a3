import Foundation
import SafeTensors
import Testing

/// F16 and BF16 conversions, through the public writer and reader, against known bit patterns.
struct FloatConversionTests {
    /// `values` written as `dtype` by the writer, read back as stored 16-bit words.
    private func encoded(_ values: [Float], as dtype: SafeTensorsDType) throws -> [UInt16] {
        var writer = SafeTensorsWriter()
        try writer.add("t", shape: [values.count], floats: values, as: dtype)
        return words(try storedBytes(try SafeTensorsFile(data: try writer.serialized()), "t"))
    }

    /// 16-bit words stored as `dtype`, converted to Float by the reader.
    private func decoded(_ bits: [UInt16], as dtype: SafeTensorsDType) throws -> [Float] {
        var writer = SafeTensorsWriter()
        try writer.add("t", dtype: dtype, shape: [bits.count], bytes: littleEndianBytes(bits))
        return try SafeTensorsFile(data: try writer.serialized()).floats("t")
    }

    @Test func float16RoundsToNearestEven() throws {
        let cases: [(Float, UInt16)] = [
            (1, 0x3C00), (-2, 0xC000), (0.1, 0x2E66), (-0.0, 0x8000),
            (1 + 0x1p-11, 0x3C00),  // tie between 0x3C00 and 0x3C01: to even, down
            (1 + 0x3p-11, 0x3C02),  // tie between 0x3C01 and 0x3C02: to even, up
            (1 + 0x1p-11 + 0x1p-20, 0x3C01),  // just above the tie
            (0x1p-14, 0x0400),  // smallest normal
            (0x1p-24, 0x0001),  // smallest subnormal
            (0x1p-25, 0x0000),  // tie between 0 and the smallest subnormal: to even, zero
            (0x3p-26, 0x0001), (0x3p-25, 0x0002),  // subnormal rounding, and a subnormal tie going up
            (65504, 0x7BFF), (65519, 0x7BFF),  // largest finite, and just below the overflow threshold
            (65520, 0x7C00), (1e6, 0x7C00), (-.infinity, 0xFC00),  // overflow to infinity
        ]
        #expect(try encoded(cases.map(\.0), as: .float16) == cases.map(\.1))
        let nan = try #require(try encoded([.nan, -.nan], as: .float16).first)
        #expect(nan & 0x7C00 == 0x7C00 && nan & 0x03FF != 0)
    }

    @Test func float16DecodesExactly() throws {
        let cases: [(UInt16, Float)] = [
            (0x3C00, 1), (0xC000, -2), (0x3555, 0x1.554p-2), (0x0001, 0x1p-24), (0x03FF, 0x3FFp-24),
            (0x0400, 0x1p-14), (0x7BFF, 65504), (0x7C00, .infinity), (0xFC00, -.infinity),
        ]
        let values = try decoded(cases.map(\.0), as: .float16)
        #expect(values.map(\.bitPattern) == cases.map(\.1.bitPattern))
        #expect(try decoded([0x8000], as: .float16).map(\.bitPattern) == [(-0.0 as Float).bitPattern])
        #expect(try decoded([0x7E00, 0x7C01, 0xFE00], as: .float16).allSatisfy(\.isNaN))
    }

    @Test func bfloat16RoundsToNearestEvenAndKeepsNaN() throws {
        let cases: [(UInt32, UInt16)] = [
            (0x3F80_0000, 0x3F80),  // 1
            (0x3F80_8000, 0x3F80),  // tie: to even, down
            (0x3F81_8000, 0x3F82),  // tie: to even, up
            (0x3F80_8001, 0x3F81), (0x3F80_7FFF, 0x3F80),  // either side of a tie
            (0x8000_0000, 0x8000),  // -0
            (0x0000_0001, 0x0000), (0x0000_8000, 0x0000), (0x0001_8000, 0x0002), (0x0001_0000, 0x0001),  // subnormals
            (0x807F_FFFF, 0x8080),  // the largest negative subnormal rounds up to the smallest normal
            (0x7F7F_7FFF, 0x7F7F), (0x7F7F_FFFF, 0x7F80),  // Float.greatestFiniteMagnitude overflows
            (0x7F80_0000, 0x7F80), (0xFF80_0000, 0xFF80),  // infinities
            // NaNs stay NaN, keep their sign and high payload, and are quieted; truncating 0x7F800001 would give
            // infinity and rounding would carry into the sign.
            (0x7FC0_0000, 0x7FC0), (0x7F80_0001, 0x7FC0), (0xFF80_0001, 0xFFC0), (0x7FA0_0000, 0x7FE0),
            (0x7FFF_FFFF, 0x7FFF),
        ]
        #expect(try encoded(cases.map { Float(bitPattern: $0.0) }, as: .bfloat16) == cases.map(\.1))
    }

    @Test func bfloat16DecodesExactly() throws {
        let bits: [UInt16] = [0x3F80, 0xC040, 0x0001, 0x8000, 0x7F7F, 0x7F80, 0xFF80, 0x3EAB]
        let values = try decoded(bits, as: .bfloat16)
        #expect(values.map(\.bitPattern) == bits.map { UInt32($0) << 16 })
        #expect(values[0] == 1 && values[1] == -3 && values[2] == 0x1p-133)
        #expect(try decoded([0x7FC0, 0xFFC1], as: .bfloat16).allSatisfy(\.isNaN))
    }

    @Test func float32AndFloat64KeepBits() throws {
        let values: [Float] = [0x1p-149, -.greatestFiniteMagnitude, .infinity, 0.1, -0.0]
        var writer = SafeTensorsWriter()
        try writer.add("f32", shape: [5], floats: values)
        try writer.add("f64", shape: [5], floats: values, as: .float64)
        let file = try SafeTensorsFile(data: try writer.serialized())
        #expect(try file.floats("f32").map(\.bitPattern) == values.map(\.bitPattern))
        #expect(try file.floats("f64").map(\.bitPattern) == values.map(\.bitPattern))
        #expect(try storedBytes(file, "f64") == littleEndianBytes(values.map { Double($0).bitPattern }))
    }
}
