/// SGD as `torch.optim.SGD` (single-tensor path): coupled decay `g += wd·p`; with momentum the buffer starts as
/// `g` and then is `μ·buf + (1-dampening)·g`; Nesterov uses `g + μ·buf`, otherwise `buf`; `p -= lr·update`.
public final class SGD: Optimizer {
    public let momentum: Double
    public let dampening: Double
    public let weightDecay: Double
    public let nesterov: Bool

    private var momentumBuffers: [String: [Float]] = [:]

    /// torch's defaults: no momentum, dampening or decay. Nesterov needs momentum > 0 and dampening 0, as in torch.
    public init(momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0, nesterov: Bool = false) throws {
        let name = "SGD"
        guard momentum >= 0, momentum.isFinite else {
            throw OptimizerError.invalidArgument(
                optimizer: name, name: "momentum", value: "\(momentum)", reason: "must be >= 0")
        }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw OptimizerError.invalidArgument(
                optimizer: name, name: "weight_decay", value: "\(weightDecay)", reason: "must be >= 0")
        }
        guard dampening.isFinite else {
            throw OptimizerError.invalidArgument(
                optimizer: name, name: "dampening", value: "\(dampening)", reason: "must be finite")
        }
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw OptimizerError.invalidArgument(
                optimizer: name, name: "nesterov", value: "True", reason: "requires momentum > 0 and dampening = 0")
        }
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    public func step(_ groups: [ParameterGroup], learningRates: [Double]) throws {
        try validateStep(groups, learningRates: learningRates)
        for group in groups {
            for parameter in group.parameters {
                if let buffer = momentumBuffers[parameter.name] {
                    try checkStateSize(buffer, parameter.value.count, parameter: parameter, slot: "momentum_buffer")
                }
            }
        }
        for (group, lr) in zip(groups, learningRates) {
            for parameter in group.parameters { update(parameter, lr: lr) }
        }
    }

    private func update(_ parameter: TrainableParameter, lr: Double) {
        let n = parameter.value.count
        let wd = Float(weightDecay)
        let mu = Float(momentum)
        let keep = Float(1 - dampening)
        let negLR = Float(-lr)
        var buffer = momentum != 0 ? momentumBuffers[parameter.name] : nil
        let firstStep = buffer == nil
        if momentum != 0 && firstStep { buffer = [Float](repeating: 0, count: n) }
        let gradient = parameter.gradient
        parameter.value.withUnsafeMutableBufferPointer { p in
            for i in 0..<n {
                var g = gradient[i]
                if weightDecay != 0 { g = g + wd * p[i] }
                if momentum != 0 {
                    let b = firstStep ? g : buffer![i] * mu + keep * g
                    buffer![i] = b
                    g = nesterov ? g + mu * b : b
                }
                p[i] += negLR * g
            }
        }
        if let buffer { momentumBuffers[parameter.name] = buffer }
    }

    public func state() -> OptimizerState {
        var state = OptimizerState()
        for (name, buffer) in momentumBuffers {
            // torch keeps no step count for SGD; a zero marks the parameter as seen.
            state.scalars["\(name).step"] = 0
            state.tensors["\(name).momentum_buffer"] = .init(shape: [buffer.count], values: buffer)
        }
        return state
    }

    public func restore(_ state: OptimizerState) throws {
        var reader = OptimizerStateReader(state)
        var restored: [String: [Float]] = [:]
        for name in reader.parameterNames {
            _ = try reader.count("\(name).step")
            restored[name] = try reader.tensor("\(name).momentum_buffer")
        }
        try reader.finish()
        momentumBuffers = restored
    }
}
