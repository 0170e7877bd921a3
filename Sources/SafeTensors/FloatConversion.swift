/// Conversions between `Float` and the stored little-endian element encodings.
enum FloatConversion {
    /// bfloat16 is the top half of a float32, so widening is exact.
    static func float(bfloat16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Rounds to the nearest bfloat16, ties to even (as PyTorch does), overflowing to infinity. Truncating instead
    /// would bias values toward zero and can turn a NaN whose payload is in the low half into infinity, so NaNs are
    /// handled first: they keep their sign and become quiet NaNs.
    static func bfloat16(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        // Adding 0x7FFF plus the lowest kept bit rounds half-way cases toward the even neighbour; a carry out of the
        // mantissa correctly bumps the exponent (up to infinity).
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }

    /// Decodes every element of `bytes` (little-endian `dtype` values) to `Float`, or returns nil for a dtype
    /// without a conversion. `bytes.count` must be a multiple of the element size.
    static func floats(_ bytes: UnsafeRawBufferPointer, as dtype: SafeTensorsDType) -> [Float]? {
        switch dtype {
        case .float32:
            #if _endian(little)
            // The stored layout is the in-memory one: copy it whole.
            return [Float](unsafeUninitializedCapacity: bytes.count / 4) { buffer, count in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
                count = bytes.count / 4
            }
            #else
            return decode(bytes, as: UInt32.self) { Float(bitPattern: $0) }
            #endif
        case .float64: return decode(bytes, as: UInt64.self) { Float(Double(bitPattern: $0)) }
        case .float16: return decode(bytes, as: UInt16.self) { Float(Float16(bitPattern: $0)) }
        case .bfloat16: return decode(bytes, as: UInt16.self) { float(bfloat16: $0) }
        case .int64: return decode(bytes, as: UInt64.self) { Float(Int64(bitPattern: $0)) }
        case .int32: return decode(bytes, as: UInt32.self) { Float(Int32(bitPattern: $0)) }
        case .uint8: return decode(bytes, as: UInt8.self) { Float($0) }
        case .bool: return decode(bytes, as: UInt8.self) { $0 == 0 ? 0 : 1 }
        case .int8, .int16, .uint16, .uint32, .uint64, .float8E4M3, .float8E5M2: return nil
        }
    }

    /// Encodes `values` as little-endian `dtype` bytes, or returns nil for a dtype without a conversion.
    static func bytes(_ values: [Float], as dtype: SafeTensorsDType) -> [UInt8]? {
        switch dtype {
        case .float32: encode(values) { $0.bitPattern }
        case .float64: encode(values) { Double($0).bitPattern }
        case .float16: encode(values) { Float16($0).bitPattern }
        case .bfloat16: encode(values) { bfloat16($0) }
        default: nil
        }
    }

    /// Elements are read unaligned: a file from another writer need not align tensors to their element size.
    private static func decode<Stored: FixedWidthInteger>(
        _ bytes: UnsafeRawBufferPointer, as _: Stored.Type, _ convert: (Stored) -> Float
    ) -> [Float] {
        let stride = MemoryLayout<Stored>.size
        let count = bytes.count / stride
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                let stored = bytes.loadUnaligned(fromByteOffset: index * stride, as: Stored.self)
                buffer[index] = convert(Stored(littleEndian: stored))
            }
            initialized = count
        }
    }

    private static func encode<Stored: FixedWidthInteger>(_ values: [Float], _ convert: (Float) -> Stored) -> [UInt8] {
        let stride = MemoryLayout<Stored>.size
        return [UInt8](unsafeUninitializedCapacity: values.count * stride) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            for (index, value) in values.enumerated() {
                raw.storeBytes(of: convert(value).littleEndian, toByteOffset: index * stride, as: Stored.self)
            }
            initialized = values.count * stride
        }
    }
}
