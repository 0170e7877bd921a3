import Testing
import Tensors

struct HalfPrecisionTests {
    @Test func bfloat16RoundsToNearestEven() {
        // 1 + 2⁻⁸ is halfway between two bfloat16 values: ties go to the even one (1.0).
        #expect(HalfPrecision.bfloat16Bits(1 + 0x1p-8) == 0x3F80)
        // 1 + 3·2⁻⁸ is halfway too; the even neighbour is 1 + 2⁻⁶.
        #expect(HalfPrecision.bfloat16Bits(1 + 3 * 0x1p-8) == 0x3F82)
        #expect(HalfPrecision.bfloat16Bits(1 + 0x1p-8 + 0x1p-20) == 0x3F81)
        #expect(HalfPrecision.bfloat16Bits(.infinity) == 0x7F80)
        #expect(HalfPrecision.bfloat16Bits(-.infinity) == 0xFF80)
        #expect(HalfPrecision.bfloat16Bits(.greatestFiniteMagnitude) == 0x7F80, "overflow rounds to infinity")
    }

    @Test func bfloat16KeepsNaNsNaN() {
        // A NaN whose payload lives only in the low 16 bits would truncate to infinity.
        let lowPayloadNaN = Float(bitPattern: 0x7F80_0001)
        #expect(HalfPrecision.float(bfloat16Bits: HalfPrecision.bfloat16Bits(lowPayloadNaN)).isNaN)
    }

    @Test func float16ConversionsAreExact() {
        #expect(HalfPrecision.float16Bits(1) == 0x3C00)
        #expect(HalfPrecision.float16Bits(65504) == 0x7BFF)
        #expect(HalfPrecision.float16Bits(65520) == 0x7C00, "rounds up to infinity past the largest finite value")
        #expect(HalfPrecision.float(float16Bits: 0x0001) == 0x1p-24, "smallest subnormal")
        #expect(HalfPrecision.float(bfloat16Bits: 0x4049) == 3.140625)
    }
}
