/// Lion as `lion_pytorch.Lion`: `p *= 1 - lr·wd`; `p -= lr·sign(β1·m + (1-β1)·g)`; `m = β2·m + (1-β2)·g`.
public final class Lion: Optimizer {
    public let beta1: Double
    public let beta2: Double
    /// The decay factor as used in the step: `weight_decay`, or `weight_decay / learning_rate` with
    /// `decoupled_weight_decay=True` (lion_pytorch divides by the constructor's learning rate).
    public let effectiveWeightDecay: Double

    private var momenta: [String: [Float]] = [:]

    /// lion_pytorch's defaults: betas (0.9, 0.99), weight_decay 0. Betas may be 1, as lion_pytorch allows.
    public init(beta1: Double = 0.9, beta2: Double = 0.99, weightDecay: Double = 0) throws {
        try validateHyperparameters(
            optimizer: "Lion", betas: [beta1, beta2], weightDecay: weightDecay, betasMayBeOne: true)
        self.beta1 = beta1
        self.beta2 = beta2
        self.effectiveWeightDecay = weightDecay
    }

    public func step(_ groups: [ParameterGroup], learningRates: [Double]) throws {
        try validateStep(groups, learningRates: learningRates)
        for group in groups {
            for parameter in group.parameters {
                if let m = momenta[parameter.name] {
                    try checkStateSize(m, parameter.value.count, parameter: parameter, slot: "exp_avg")
                }
            }
        }
        for (group, lr) in zip(groups, learningRates) {
            for parameter in group.parameters { update(parameter, lr: lr) }
        }
    }

    private func update(_ parameter: TrainableParameter, lr: Double) {
        let n = parameter.value.count
        var m = momenta[parameter.name] ?? [Float](repeating: 0, count: n)
        let decay = Float(1 - lr * effectiveWeightDecay)
        let negLR = Float(-lr)
        let b1 = Float(beta1)
        let oneMinusB1 = Float(1 - beta1)
        let b2 = Float(beta2)
        let oneMinusB2 = Float(1 - beta2)
        let gradient = parameter.gradient
        parameter.value.withUnsafeMutableBufferPointer { p in
            for i in 0..<n {
                let g = gradient[i]
                p[i] *= decay
                let direction = m[i] * b1 + oneMinusB1 * g
                let sign: Float = direction > 0 ? 1 : (direction < 0 ? -1 : direction)  // torch.sgn keeps 0 and NaN
                p[i] += negLR * sign
                m[i] = m[i] * b2 + oneMinusB2 * g
            }
        }
        momenta[parameter.name] = m
    }

    public func state() -> OptimizerState {
        var state = OptimizerState()
        for (name, m) in momenta {
            state.scalars["\(name).step"] = 0  // lion_pytorch counts no steps; this marks the parameter as seen.
            state.tensors["\(name).exp_avg"] = .init(shape: [m.count], values: m)
        }
        return state
    }

    public func restore(_ state: OptimizerState) throws {
        var reader = OptimizerStateReader(state)
        var restored: [String: [Float]] = [:]
        for name in reader.parameterNames {
            _ = try reader.count("\(name).step")
            restored[name] = try reader.tensor("\(name).exp_avg")
        }
        try reader.finish()
        momenta = restored
    }
}
