/// Element types a tensor can hold. The CPU backend computes in `float32`; `float16` and `bfloat16` are storage
/// formats (model files, GPU weights) with exact conversions to and from `Float`.
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32
    case float16
    case bfloat16

    public var byteSize: Int {
        switch self {
        case .float32: 4
        case .float16, .bfloat16: 2
        }
    }

    public var description: String { rawValue }
}
