/// An optimizer over host `Float` buffers of trainable parameters, backend-agnostic: the trainer downloads the
/// gradients, calls `step`, and uploads the values.
///
/// Hyperparameters and learning rates are `Double`, as the Python references hold them; element arithmetic is
/// `Float`, with each scalar rounded to `Float` where PyTorch rounds it, so results match the references to float
/// rounding.
public protocol Optimizer: AnyObject {
    /// Updates every parameter of every group from its gradient. `learningRates[i]` is group `i`'s learning rate
    /// for this step (its base rate times the schedule's multiplier). Throws before changing anything if the
    /// groups, sizes or rates are invalid, or if saved state does not fit the parameters.
    func step(_ groups: [ParameterGroup], learningRates: [Double]) throws
    /// A copy of the state needed to continue exactly where this optimizer is.
    func state() -> OptimizerState
    /// Replaces the state with a saved one; a later `step` continues bit-identically.
    func restore(_ state: OptimizerState) throws
}

extension Optimizer {
    /// Steps with each group's base learning rate times `multiplier` (the schedule's value for this step).
    public func step(_ groups: [ParameterGroup], multiplier: Double) throws {
        try step(groups, learningRates: groups.map { $0.learningRate * multiplier })
    }
}

/// Checks what every optimizer requires of a step's input.
func validateStep(_ groups: [ParameterGroup], learningRates: [Double]) throws {
    guard groups.count == learningRates.count else {
        throw OptimizerError.learningRateCount(groups: groups.count, learningRates: learningRates.count)
    }
    var names = Set<String>()
    for (group, rate) in zip(groups, learningRates) {
        guard rate.isFinite, rate >= 0 else { throw OptimizerError.invalidLearningRate(group: group.name, value: rate) }
        for parameter in group.parameters {
            let count = parameter.shape.allSatisfy { $0 >= 0 } ? parameter.elementCount : -1
            guard count == parameter.value.count, count == parameter.gradient.count else {
                throw OptimizerError.parameterSize(
                    name: parameter.name, shape: parameter.shape, values: parameter.value.count,
                    gradients: parameter.gradient.count)
            }
            guard names.insert(parameter.name).inserted else {
                throw OptimizerError.duplicateParameter(name: parameter.name)
            }
        }
    }
}

/// Checks the hyperparameters every Adam-like optimizer shares, as torch's constructors do.
func validateHyperparameters(
    optimizer: String, betas: [Double], epsilon: Double? = nil, weightDecay: Double, betasMayBeOne: Bool = false
) throws {
    for (index, beta) in betas.enumerated() where !(beta >= 0 && (beta < 1 || (betasMayBeOne && beta == 1))) {
        throw OptimizerError.invalidArgument(
            optimizer: optimizer, name: "betas", value: "\(beta)",
            reason: "beta\(index + 1) must be in [0, 1\(betasMayBeOne ? "]" : ")")")
    }
    if let epsilon, !(epsilon >= 0 && epsilon.isFinite) {
        throw OptimizerError.invalidArgument(
            optimizer: optimizer, name: "eps", value: "\(epsilon)", reason: "must be >= 0")
    }
    guard weightDecay >= 0, weightDecay.isFinite else {
        throw OptimizerError.invalidArgument(
            optimizer: optimizer, name: "weight_decay", value: "\(weightDecay)", reason: "must be >= 0")
    }
}

/// Checks that a saved buffer fits the parameter it belongs to.
func checkStateSize(_ buffer: [Float], _ expected: Int, parameter: TrainableParameter, slot: String) throws {
    guard buffer.count == expected else {
        throw OptimizerError.stateMismatch(
            parameter: parameter.name, reason: "\(slot) has \(buffer.count) elements, the parameter needs \(expected)")
    }
}
