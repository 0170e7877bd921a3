import Foundation
import Tensors

/// Deterministic test inputs and a tolerance check shared by the op tests.
enum Reference {
    /// Values in [-scale, scale) from a fixed seed (Philox uniforms, so the inputs are the same on every machine).
    static func values(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { Philox.fillUniform($0, seed: seed, stream: 9, offset: 0) }
        return out.map { ($0 * 2 - 1) * scale }
    }

    /// The largest |a − b| / (atol + rtol·|b|); ≤ 1 means within tolerance.
    static func worstRatio(_ actual: [Float], _ expected: [Double], rtol: Double, atol: Double) -> Double {
        precondition(actual.count == expected.count, "\(actual.count) values against \(expected.count)")
        var worst = 0.0
        for (a, b) in zip(actual, expected) {
            let ratio = abs(Double(a) - b) / (atol + rtol * abs(b))
            if !(ratio <= worst) { worst = ratio.isNaN ? .infinity : ratio }
        }
        return worst
    }
}
