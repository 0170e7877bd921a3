/// Bit-exact conversions between `Float` and the 16-bit formats.
///
/// `Float16` is Swift's IEEE binary16 (its initialiser rounds to nearest, ties to even). bfloat16 is the upper half of
/// a binary32; converting to it rounds to nearest, ties to even, and keeps NaNs NaN (a plain truncation could turn a
/// NaN whose payload sits in the low bits into infinity).
public enum HalfPrecision {
    @inline(__always)
    public static func float16Bits(_ value: Float) -> UInt16 { Float16(value).bitPattern }

    @inline(__always)
    public static func float(float16Bits bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }

    @inline(__always)
    public static func bfloat16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        let roundingBias = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
    }

    @inline(__always)
    public static func float(bfloat16Bits bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }
}
