/// The element types of the safetensors format, spelled as in the header.
///
/// Declared in the order of the Rust crate's `Dtype` enum, whose derived ordering decides where the writer puts
/// each tensor (see `serializationRank`).
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL"
    case uint8 = "U8"
    case int8 = "I8"
    case float8E5M2 = "F8_E5M2"
    case float8E4M3 = "F8_E4M3"
    case int16 = "I16"
    case uint16 = "U16"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case int32 = "I32"
    case uint32 = "U32"
    case float32 = "F32"
    case float64 = "F64"
    case int64 = "I64"
    case uint64 = "U64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .uint8, .int8, .float8E5M2, .float8E4M3: 1
        case .int16, .uint16, .float16, .bfloat16: 2
        case .int32, .uint32, .float32: 4
        case .float64, .int64, .uint64: 8
        }
    }

    /// The position of the dtype in the Rust crate's `Dtype` enum. The reference writer lays tensors out by
    /// descending rank (then by name), which puts wider types first so that every tensor stays aligned to its
    /// element size after the 8-byte-padded header; matching it makes our files byte-identical to Python's.
    var serializationRank: Int {
        switch self {
        case .bool: 0
        case .uint8: 1
        case .int8: 2
        case .float8E5M2: 3
        case .float8E4M3: 4
        case .int16: 5
        case .uint16: 6
        case .float16: 7
        case .bfloat16: 8
        case .int32: 9
        case .uint32: 10
        case .float32: 11
        case .float64: 12
        case .int64: 13
        case .uint64: 14
        }
    }
}
