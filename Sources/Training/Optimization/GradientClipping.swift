/// Gradient clipping by total norm, as `torch.nn.utils.clip_grad_norm_` (kohya's `max_grad_norm`; 0 turns it off
/// in kohya, so the trainer skips the call then).
public enum GradientClipping {
    /// Scales every gradient of every group by `min(1, maxNorm / (total + 1e-6))`, where `total` is the L2 norm of
    /// all gradients together (the norm of the per-tensor norms, in float32 as torch), and returns `total` for
    /// logging. As in torch, the scale is applied even when it is 1, and a non-finite total spreads to the
    /// gradients (torch's default `error_if_nonfinite=False`).
    @discardableResult
    public static func clipGradientNorm(_ groups: [ParameterGroup], maxNorm: Double) -> Float {
        let parameters = groups.flatMap(\.parameters)
        guard !parameters.isEmpty else { return 0 }
        var sumOfSquares = 0.0
        for parameter in parameters {
            var tensorSum = 0.0
            for g in parameter.gradient { tensorSum += Double(g) * Double(g) }
            let norm = Float(tensorSum.squareRoot())
            sumOfSquares += Double(norm) * Double(norm)
        }
        let total = Float(sumOfSquares.squareRoot())
        let coefficient = min(Float(maxNorm) / (total + 1e-6), 1)
        for parameter in parameters {
            parameter.gradient.withUnsafeMutableBufferPointer { g in
                for i in g.indices { g[i] *= coefficient }
            }
        }
        return total
    }
}
