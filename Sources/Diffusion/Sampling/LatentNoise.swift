import Tensors

extension PhiloxGenerator {
    /// Standard normal noise for a channels-last tensor `[N, H, W, C]`, drawn in NCHW order (as PyTorch lays out the
    /// same tensor), so a seed names the same noise whatever layout a backend computes in.
    public mutating func channelsLastNormal(_ shape: [Int], on backend: any Backend) -> Tensor {
        precondition(shape.count == 4, "channelsLastNormal expects [N, H, W, C], got \(shape)")
        let drawn = normal([shape[0], shape[3], shape[1], shape[2]], on: backend)
        return backend.channelsLast(drawn)
    }
}
