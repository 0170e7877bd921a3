/// Where a tensor's bytes live.
public enum Device: Hashable, Sendable, CustomStringConvertible {
    case cpu
    /// An NVIDIA GPU by ordinal (the CUDA backend comes with its own storage).
    case cuda(Int)
    /// No memory at all: shape-only tensors, used to enumerate a model's parameters without loading them.
    case meta

    public var description: String {
        switch self {
        case .cpu: "cpu"
        case .cuda(let ordinal): "cuda:\(ordinal)"
        case .meta: "meta"
        }
    }
}
