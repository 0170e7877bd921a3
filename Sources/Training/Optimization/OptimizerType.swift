/// The optimizers lorad implements, named as kohya's `optimizer_type` (matched case-insensitively).
public enum OptimizerType: String, CaseIterable, Sendable {
    case adamW = "AdamW"
    case adamW8bit = "AdamW8bit"
    case lion = "Lion"
    case prodigy = "Prodigy"
    case sgd = "SGD"
    case sgdNesterov = "SGDNesterov"

    /// Parses kohya's `optimizer_type`; an empty name is AdamW, kohya's default.
    public init(kohyaName name: String) throws {
        if name.isEmpty {
            self = .adamW
            return
        }
        guard let type = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
            throw OptimizerError.unknownOptimizer(name: name, supported: Self.allCases.map(\.rawValue))
        }
        self = type
    }

    /// The `optimizer_args` keys this optimizer takes.
    public var acceptedArguments: [String] {
        switch self {
        case .adamW: return ["betas", "eps", "weight_decay"]
        case .adamW8bit: return ["betas", "eps", "weight_decay", "min_8bit_size"]
        case .lion: return ["betas", "weight_decay", "decoupled_weight_decay"]
        case .prodigy:
            return [
                "betas", "beta3", "eps", "weight_decay", "decouple", "use_bias_correction", "safeguard_warmup", "d0",
                "d_coef", "growth_rate", "slice_p",
            ]
        case .sgd: return ["momentum", "dampening", "weight_decay", "nesterov"]
        case .sgdNesterov: return ["momentum", "dampening", "weight_decay"]
        }
    }

    /// Builds the optimizer from kohya's `optimizer_args` (`"weight_decay=0.1"`, `"betas=0.9,0.99"`,
    /// `"decouple=True"`), with each reference's defaults for what is not given. `learningRate` is kohya's
    /// `learning_rate` (the optimizer's default rate), which Lion's `decoupled_weight_decay` divides by.
    /// SGDNesterov defaults `momentum` to 0.9 as kohya does.
    public func makeOptimizer(arguments: [String], learningRate: Double) throws -> any Optimizer {
        let args = try OptimizerArguments(arguments, optimizer: rawValue, accepted: acceptedArguments)
        let nonNegative = { (x: Double) in x >= 0 }
        let positive = { (x: Double) in x > 0 }
        switch self {
        case .adamW, .adamW8bit:
            let betas = try args.betas(default: [0.9, 0.999])
            let eps = try args.double("eps", default: 1e-8, where: nonNegative, "must be >= 0")
            let decay = try args.double("weight_decay", default: 0.01, where: nonNegative, "must be >= 0")
            if self == .adamW {
                return try AdamW(beta1: betas[0], beta2: betas[1], epsilon: eps, weightDecay: decay)
            }
            let minimum = try args.integer("min_8bit_size", default: 4096, where: { $0 >= 0 }, "must be >= 0")
            return try AdamW8bit(
                beta1: betas[0], beta2: betas[1], epsilon: eps, weightDecay: decay, minimum8BitSize: minimum)
        case .lion:
            let betas = try args.betas(default: [0.9, 0.99])
            var decay = try args.double("weight_decay", default: 0, where: nonNegative, "must be >= 0")
            if try args.bool("decoupled_weight_decay", default: false) {
                guard learningRate > 0 else {
                    throw OptimizerError.invalidArgument(
                        optimizer: rawValue, name: "decoupled_weight_decay", value: "True",
                        reason: "needs learning_rate > 0, which it divides weight_decay by")
                }
                decay /= learningRate
            }
            return try Lion(beta1: betas[0], beta2: betas[1], weightDecay: decay)
        case .prodigy:
            var options = Prodigy.Options()
            let betas = try args.betas(default: [0.9, 0.999])
            options.beta1 = betas[0]
            options.beta2 = betas[1]
            options.beta3 = try args.optionalDouble(
                "beta3", where: { (0...1).contains($0) }, "must be in [0, 1] or None")
            options.epsilon = try args.double("eps", default: 1e-8, where: positive, "must be > 0")
            options.weightDecay = try args.double("weight_decay", default: 0, where: nonNegative, "must be >= 0")
            options.decouple = try args.bool("decouple", default: true)
            options.useBiasCorrection = try args.bool("use_bias_correction", default: false)
            options.safeguardWarmup = try args.bool("safeguard_warmup", default: false)
            options.d0 = try args.double("d0", default: 1e-6, where: positive, "must be > 0")
            options.dCoefficient = try args.double("d_coef", default: 1, where: positive, "must be > 0")
            options.growthRate = try args.double("growth_rate", default: .infinity, where: positive, "must be > 0")
            options.sliceP = try args.integer("slice_p", default: 1, where: { $0 >= 1 }, "must be >= 1")
            return try Prodigy(options: options)
        case .sgd, .sgdNesterov:
            return try SGD(
                momentum: try args.double(
                    "momentum", default: self == .sgdNesterov ? 0.9 : 0, where: nonNegative, "must be >= 0"),
                dampening: try args.double("dampening", default: 0),
                weightDecay: try args.double("weight_decay", default: 0, where: nonNegative, "must be >= 0"),
                nesterov: self == .sgdNesterov ? true : try args.bool("nesterov", default: false))
        }
    }
}
