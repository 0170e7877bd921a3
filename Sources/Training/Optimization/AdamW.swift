import Foundation

/// AdamW as `torch.optim.AdamW` (single-tensor path, `amsgrad=False`, `maximize=False`):
/// decoupled decay `p *= 1 - lr·wd`, `m = lerp(m, g, 1-β1)`, `v = β2·v + (1-β2)·g²`,
/// `p -= lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + eps)`.
public final class AdamW: Optimizer {
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Double

    private struct Slot {
        var step: Int
        var exp_avg: [Float]
        var exp_avg_sq: [Float]
    }
    private var slots: [String: Slot] = [:]

    /// torch's defaults: betas (0.9, 0.999), eps 1e-8, weight_decay 0.01; out-of-range values throw as torch's do.
    public init(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0.01) throws {
        try validateHyperparameters(
            optimizer: "AdamW", betas: [beta1, beta2], epsilon: epsilon, weightDecay: weightDecay)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    public func step(_ groups: [ParameterGroup], learningRates: [Double]) throws {
        try validateStep(groups, learningRates: learningRates)
        for group in groups {
            for parameter in group.parameters {
                if let slot = slots[parameter.name] {
                    try checkStateSize(slot.exp_avg, parameter.value.count, parameter: parameter, slot: "exp_avg")
                    try checkStateSize(slot.exp_avg_sq, parameter.value.count, parameter: parameter, slot: "exp_avg_sq")
                }
            }
        }
        for (group, lr) in zip(groups, learningRates) {
            for parameter in group.parameters { update(parameter, lr: lr) }
        }
    }

    private func update(_ parameter: TrainableParameter, lr: Double) {
        let n = parameter.value.count
        var slot =
            slots[parameter.name]
            ?? Slot(step: 0, exp_avg: [Float](repeating: 0, count: n), exp_avg_sq: [Float](repeating: 0, count: n))
        slot.step += 1
        let step = Double(slot.step)
        let decay = Float(1 - lr * weightDecay)
        let lerpWeight = Float(1 - beta1)
        let b2 = Float(beta2)
        let oneMinusB2 = Float(1 - beta2)
        let stepSize = lr / (1 - pow(beta1, step))
        let correction2Sqrt = Float((1 - pow(beta2, step)).squareRoot())
        let eps = Float(epsilon)
        let negStepSize = Float(-stepSize)
        let gradient = parameter.gradient
        parameter.value.withUnsafeMutableBufferPointer { p in
            for i in 0..<n {
                if weightDecay != 0 { p[i] *= decay }
                let g = gradient[i]
                slot.exp_avg[i] = torchLerp(slot.exp_avg[i], g, lerpWeight)
                slot.exp_avg_sq[i] = slot.exp_avg_sq[i] * b2 + oneMinusB2 * g * g
                let denom = slot.exp_avg_sq[i].squareRoot() / correction2Sqrt + eps
                p[i] += negStepSize * (slot.exp_avg[i] / denom)
            }
        }
        slots[parameter.name] = slot
    }

    public func state() -> OptimizerState {
        var state = OptimizerState()
        for (name, slot) in slots {
            state.scalars["\(name).step"] = Double(slot.step)
            state.tensors["\(name).exp_avg"] = .init(shape: [slot.exp_avg.count], values: slot.exp_avg)
            state.tensors["\(name).exp_avg_sq"] = .init(shape: [slot.exp_avg_sq.count], values: slot.exp_avg_sq)
        }
        return state
    }

    public func restore(_ state: OptimizerState) throws {
        var reader = OptimizerStateReader(state)
        var restored: [String: Slot] = [:]
        for name in reader.parameterNames {
            let m = try reader.tensor("\(name).exp_avg")
            restored[name] = Slot(
                step: try reader.count("\(name).step"), exp_avg: m,
                exp_avg_sq: try reader.tensor("\(name).exp_avg_sq", count: m.count))
        }
        try reader.finish()
        slots = restored
    }
}

/// `torch.lerp` for floats: `a + w·(b-a)` when `|w| < 0.5`, else `b - (b-a)·(1-w)`, which is exact at `w = 1`.
@inline(__always)
func torchLerp(_ a: Float, _ b: Float, _ weight: Float) -> Float {
    abs(weight) < 0.5 ? a + weight * (b - a) : b - (b - a) * (1 - weight)
}
