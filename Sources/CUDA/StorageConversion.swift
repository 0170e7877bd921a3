import Tensors

/// Host-side conversion between `Float`s and the little-endian bytes of a storage type, for uploads and downloads.
enum StorageConversion {
    static func bytes(_ values: [Float], as dtype: DType) -> [UInt8] {
        switch dtype {
        case .float32: values.withUnsafeBytes { Array($0) }
        case .float16: values.map { HalfPrecision.float16Bits($0) }.withUnsafeBytes { Array($0) }
        case .bfloat16: values.map { HalfPrecision.bfloat16Bits($0) }.withUnsafeBytes { Array($0) }
        }
    }

    static func floats(_ bytes: [UInt8], as dtype: DType) -> [Float] {
        bytes.withUnsafeBytes { raw in
            switch dtype {
            case .float32: Array(raw.bindMemory(to: Float.self))
            case .float16: raw.bindMemory(to: UInt16.self).map { HalfPrecision.float(float16Bits: $0) }
            case .bfloat16: raw.bindMemory(to: UInt16.self).map { HalfPrecision.float(bfloat16Bits: $0) }
            }
        }
    }

    /// `values` rounded to `dtype` and back.
    static func rounded(_ values: [Float], to dtype: DType) -> [Float] {
        floats(bytes(values, as: dtype), as: dtype)
    }
}

extension DType {
    /// The suffix of the kernels instantiated for this storage type (`add_bf16`).
    public var kernelSuffix: String {
        switch self {
        case .float32: "f32"
        case .float16: "f16"
        case .bfloat16: "bf16"
        }
    }
}
