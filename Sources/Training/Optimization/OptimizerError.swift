/// Errors from building an optimizer, stepping it, or restoring its state.
public enum OptimizerError: Error, CustomStringConvertible, Equatable {
    /// `optimizer_type` names no supported optimizer.
    case unknownOptimizer(name: String, supported: [String])
    /// An `optimizer_args` entry is not `key=value`.
    case malformedArgument(argument: String)
    /// An `optimizer_args` key the optimizer does not take.
    case unknownArgument(optimizer: String, name: String, accepted: [String])
    /// An `optimizer_args` value of the wrong kind or out of range.
    case invalidArgument(optimizer: String, name: String, value: String, reason: String)
    /// The same `optimizer_args` key given twice.
    case duplicateArgument(name: String)
    /// `step` was given a different number of learning rates than groups.
    case learningRateCount(groups: Int, learningRates: Int)
    /// A learning rate is negative or not finite.
    case invalidLearningRate(group: String, value: Double)
    /// Prodigy shares one step size across groups, so every group's rate must be the largest one or zero.
    case prodigyGroupLearningRates(rates: [Double])
    /// A parameter whose shape, values and gradient disagree in size.
    case parameterSize(name: String, shape: [Int], values: Int, gradients: Int)
    /// Two parameters with one name (the name keys the optimizer state).
    case duplicateParameter(name: String)
    /// Saved state for a parameter does not match the parameter now given.
    case stateMismatch(parameter: String, reason: String)
    /// A resume state entry is missing, malformed or foreign.
    case malformedState(entry: String, reason: String)

    public var description: String {
        switch self {
        case .unknownOptimizer(let name, let supported):
            return "optimizer_type: unknown optimizer '\(name)'; supported: \(supported.joined(separator: ", "))"
        case .malformedArgument(let argument):
            return "optimizer_args: '\(argument)' is not of the form key=value"
        case .unknownArgument(let optimizer, let name, let accepted):
            return "optimizer_args: \(optimizer) does not take '\(name)'; accepted: \(accepted.joined(separator: ", "))"
        case .invalidArgument(let optimizer, let name, let value, let reason):
            return "optimizer_args: \(optimizer) \(name)=\(value): \(reason)"
        case .duplicateArgument(let name):
            return "optimizer_args: '\(name)' is given more than once"
        case .learningRateCount(let groups, let learningRates):
            return "optimizer step: \(learningRates) learning rates for \(groups) parameter groups"
        case .invalidLearningRate(let group, let value):
            return "optimizer step: learning rate \(value) of group '\(group)' is not a finite number >= 0"
        case .prodigyGroupLearningRates(let rates):
            return "Prodigy: every parameter group's learning rate must equal the largest one or be 0 (got "
                + "\(rates.map { "\($0)" }.joined(separator: ", "))); set unet_lr and text_encoder_lr equal"
        case .parameterSize(let name, let shape, let values, let gradients):
            return "parameter '\(name)': shape \(shape) but \(values) values and \(gradients) gradients"
        case .duplicateParameter(let name):
            return "parameter '\(name)' appears more than once"
        case .stateMismatch(let parameter, let reason):
            return "optimizer state of parameter '\(parameter)': \(reason)"
        case .malformedState(let entry, let reason):
            return "optimizer state entry '\(entry)': \(reason)"
        }
    }
}
