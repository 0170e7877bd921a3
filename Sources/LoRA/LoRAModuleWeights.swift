/// A trained module's weights as lorad holds them, ready to be written.
public struct LoRAModuleWeights: Sendable {
    public var spec: LoRAModuleSpec
    /// The down projection in lorad's layout: `[rank, in]` for a Linear, OHWI `[rank, k, k, in]` for a convolution
    /// (`Backend.conv2d`'s kernel layout).
    public var down: [Float]
    /// The up projection `[out, rank]` (for a convolution, its 1×1 kernel, the same values in any layout).
    public var up: [Float]

    public init(spec: LoRAModuleSpec, down: [Float], up: [Float]) {
        self.spec = spec
        self.down = down
        self.up = up
    }

    /// The down weight in PyTorch's layout (`[r, in]` or OIHW `[r, in, k, k]`), checked against the spec's shape.
    func pytorchDown() throws -> [Float] {
        let shape = spec.kind.downShape(rank: spec.rank)
        try Self.check(down, count: shape.reduce(1, *), module: spec.kohyaName, part: "down", shape: shape)
        guard case .convolution(let conv) = spec.kind, conv.kernel > 1 else { return down }
        return KernelLayout.ohwiToOIHW(down, out: spec.rank, kernel: conv.kernel, in: conv.inChannels)
    }

    func pytorchUp() throws -> [Float] {
        let shape = spec.kind.upShape(rank: spec.rank)
        try Self.check(up, count: shape.reduce(1, *), module: spec.kohyaName, part: "up", shape: shape)
        return up
    }

    private static func check(_ values: [Float], count: Int, module: String, part: String, shape: [Int]) throws {
        guard values.count == count else {
            throw LoRAFormatError.invalidWeights(
                module: module, reason: "\(part) has \(values.count) values, its shape \(shape) needs \(count)")
        }
    }
}

/// Convolution kernels between lorad's OHWI layout and PyTorch's OIHW.
public enum KernelLayout {
    /// `[o, k, k, i]` → `[o, i, k, k]`.
    public static func ohwiToOIHW(_ values: [Float], out: Int, kernel: Int, in inChannels: Int) -> [Float] {
        let spatial = kernel * kernel
        var result = [Float](repeating: 0, count: values.count)
        for o in 0..<out {
            for s in 0..<spatial {
                for i in 0..<inChannels {
                    result[(o * inChannels + i) * spatial + s] = values[(o * spatial + s) * inChannels + i]
                }
            }
        }
        return result
    }

    /// `[o, i, k, k]` → `[o, k, k, i]`.
    public static func oihwToOHWI(_ values: [Float], out: Int, kernel: Int, in inChannels: Int) -> [Float] {
        let spatial = kernel * kernel
        var result = [Float](repeating: 0, count: values.count)
        for o in 0..<out {
            for s in 0..<spatial {
                for i in 0..<inChannels {
                    result[(o * spatial + s) * inChannels + i] = values[(o * inChannels + i) * spatial + s]
                }
            }
        }
        return result
    }
}
