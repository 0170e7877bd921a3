import Foundation

/// d/dx of `applying(activation, to: x)` (1 for `nil`).
@inline(__always)
func derivative(of activation: Activation?, at x: Double) -> Double {
    switch activation {
    case nil: return 1
    case .silu:
        let s = 1 / (1 + Foundation.exp(-x))
        return s * (1 + x * (1 - s))
    case .gelu:
        // Φ(x) + x·φ(x)
        let density = Foundation.exp(-0.5 * x * x) * 0.398_942_280_401_432_7
        return 0.5 * (1 + Foundation.erf(x * 0.707_106_781_186_547_5)) + x * density
    case .quickGELU:
        let s = 1 / (1 + Foundation.exp(-1.702 * x))
        return s * (1 + 1.702 * x * (1 - s))
    }
}

extension CPUBackend {
    public func activationBackward(_ gradOutput: Tensor, input: Tensor, _ kind: Activation) -> Tensor {
        precondition(gradOutput.shape == input.shape, "activationBackward: gradient \(gradOutput) for input \(input)")
        let out = allocate(input.shape)
        let (gradient, source, destination) = (floats(gradOutput), floats(input), floats(out))
        Parallel.forEachChunk(out.elementCount) { range in
            for i in range {
                destination[i] = Float(Double(gradient[i]) * derivative(of: kind, at: Double(source[i])))
            }
        }
        return out
    }

    public func gegluBackward(_ gradOutput: Tensor, input: Tensor) -> Tensor {
        let doubled = input.shape.last ?? 0
        precondition(doubled % 2 == 0, "gegluBackward needs an even last dimension, got \(input)")
        let width = doubled / 2
        precondition(
            gradOutput.shape == Array(input.shape.dropLast()) + [width],
            "gegluBackward: gradient \(gradOutput) for input \(input)")
        let rows = input.elementCount / max(doubled, 1)
        let out = allocate(input.shape)
        let (gradient, source, destination) = (floats(gradOutput), floats(input), floats(out))
        Parallel.forEachChunk(rows, grain: max(1, 16_384 / max(width, 1))) { range in
            for row in range {
                let (hidden, gate) = (source + row * doubled, source + row * doubled + width)
                let (hiddenGradient, gateGradient) = (destination + row * doubled, destination + row * doubled + width)
                let upstream = gradient + row * width
                for i in 0..<width {
                    let (g, dy) = (Double(gate[i]), Double(upstream[i]))
                    hiddenGradient[i] = Float(dy * Double(applying(.gelu, to: gate[i])))
                    gateGradient[i] = Float(dy * Double(hidden[i]) * derivative(of: .gelu, at: g))
                }
            }
        }
        return out
    }
}
