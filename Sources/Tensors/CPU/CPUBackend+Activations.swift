import Foundation

/// `x` through `activation` (identity for `nil`).
@inline(__always)
func applying(_ activation: Activation?, to x: Float) -> Float {
    switch activation {
    case nil: x
    case .silu: x / (1 + Foundation.exp(-x))
    case .gelu: 0.5 * x * (1 + Foundation.erf(x * 0.707_106_781_186_547_5))
    case .quickGELU: x / (1 + Foundation.exp(-1.702 * x))
    }
}

extension CPUBackend {
    public func activation(_ x: Tensor, _ kind: Activation) -> Tensor {
        map(x) { applying(kind, to: $0) }
    }

    public func geglu(_ x: Tensor) -> Tensor {
        let doubled = x.shape.last ?? 0
        precondition(doubled % 2 == 0, "geglu needs an even last dimension, got \(x)")
        let width = doubled / 2
        let rows = x.elementCount / max(doubled, 1)
        let out = allocate(Array(x.shape.dropLast()) + [width])
        let (src, dst) = (floats(x), floats(out))
        Parallel.forEachChunk(rows, grain: max(1, 16_384 / max(width, 1))) { range in
            for row in range {
                let (hidden, gate, output) = (src + row * doubled, src + row * doubled + width, dst + row * width)
                for i in 0..<width { output[i] = hidden[i] * applying(.gelu, to: gate[i]) }
            }
        }
        return out
    }
}
