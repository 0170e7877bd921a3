import Foundation

/// A learning-rate schedule as kohya sd-scripts builds it (`train_util.get_scheduler_fix`, which calls the
/// schedules of `transformers.optimization`): a multiplier of each group's base rate, stepped once per optimizer
/// step, so optimizer step `i` (counting from 0) uses `base · multiplier(step: i)`.
public struct LearningRateSchedule: Equatable, Sendable {
    /// kohya's `lr_scheduler` names that lorad implements.
    public enum Kind: String, CaseIterable, Sendable {
        case constant
        case constantWithWarmup = "constant_with_warmup"
        case linear
        case cosine
        case cosineWithRestarts = "cosine_with_restarts"
        case polynomial
        case inverseSqrt = "inverse_sqrt"
        case cosineWithMinLR = "cosine_with_min_lr"
        case warmupStableDecay = "warmup_stable_decay"
    }

    /// kohya's `lr_warmup_steps` / `lr_decay_steps`: a step count, or a fraction (< 1) of the training steps,
    /// which kohya truncates to whole steps (`int(ratio · total)`).
    public enum StepCount: Equatable, Sendable {
        case steps(Int)
        case fraction(Double)

        func resolve(totalSteps: Int, field: String) throws -> Int {
            switch self {
            case .steps(let count):
                guard count >= 0 else {
                    throw LearningRateScheduleError.invalidValue(
                        field: field, value: "\(count)", reason: "must be >= 0")
                }
                return count
            case .fraction(let ratio):
                guard ratio >= 0, ratio <= 1 else {
                    throw LearningRateScheduleError.invalidValue(
                        field: field, value: "\(ratio)", reason: "a fraction of the training steps must be in [0, 1]")
                }
                return Int(ratio * Double(totalSteps))
            }
        }
    }

    public let kind: Kind
    public let totalSteps: Int
    public let warmupSteps: Int
    /// `lr_scheduler_num_cycles` (cosine_with_restarts; halved for cosine_with_min_lr and warmup_stable_decay).
    public let cycles: Int
    /// `lr_scheduler_power` (polynomial).
    public let power: Double
    /// kohya's `learning_rate`: polynomial decays from it to `polynomialEndRate` and divides by it.
    public let initialLearningRate: Double
    /// transformers' default `lr_end` for polynomial.
    public static let polynomialEndRate = 1e-7
    /// `lr_scheduler_min_lr_ratio` (cosine_with_min_lr, warmup_stable_decay).
    public let minimumRatio: Double
    /// warmup_stable_decay's decay steps.
    public let decaySteps: Int
    /// inverse_sqrt's `lr_scheduler_timescale` (default: the warmup steps, or 10000 without warmup).
    public let timescale: Int

    /// Builds the schedule kohya would for `lr_scheduler = name` over `totalSteps` optimizer steps, validating
    /// as kohya and transformers do (constant takes no warmup; cosine_with_min_lr needs a minimum ratio;
    /// warmup_stable_decay needs decay steps; polynomial needs `learningRate` above its end rate).
    public init(
        name: String, totalSteps: Int, warmup: StepCount = .steps(0), cycles: Int = 1, power: Double = 1,
        learningRate: Double, minimumRatio: Double? = nil, decay: StepCount = .steps(0), timescale: Int? = nil
    ) throws {
        guard let kind = Kind(rawValue: name) else {
            throw LearningRateScheduleError.unknownScheduler(name: name, supported: Kind.allCases.map(\.rawValue))
        }
        guard totalSteps >= 1 else {
            throw LearningRateScheduleError.invalidValue(
                field: "max_train_steps", value: "\(totalSteps)", reason: "must be >= 1")
        }
        let warmupSteps = try warmup.resolve(totalSteps: totalSteps, field: "lr_warmup_steps")
        let decaySteps = try decay.resolve(totalSteps: totalSteps, field: "lr_decay_steps")
        func invalid(_ field: String, _ value: Any, _ reason: String) -> LearningRateScheduleError {
            .invalidValue(field: field, value: "\(value)", reason: reason)
        }
        if kind == .constant && warmupSteps != 0 {
            throw invalid("lr_warmup_steps", warmupSteps, "constant takes no warmup; use constant_with_warmup")
        }
        guard cycles >= 1 else { throw invalid("lr_scheduler_num_cycles", cycles, "must be >= 1") }
        guard power.isFinite else { throw invalid("lr_scheduler_power", power, "must be finite") }
        switch kind {
        case .polynomial:
            guard learningRate > Self.polynomialEndRate else {
                throw invalid("learning_rate", learningRate, "polynomial decays to 1e-7, so it must be larger")
            }
            guard warmupSteps < totalSteps else {
                throw invalid("lr_warmup_steps", warmupSteps, "polynomial needs warmup below the \(totalSteps) steps")
            }
        case .cosineWithMinLR:
            guard minimumRatio != nil else {
                throw invalid("lr_scheduler_min_lr_ratio", "None", "cosine_with_min_lr needs a minimum ratio")
            }
        case .warmupStableDecay:
            guard decaySteps > 0 else {
                throw invalid("lr_decay_steps", decaySteps, "warmup_stable_decay needs decay steps")
            }
            guard warmupSteps + decaySteps <= totalSteps else {
                throw invalid("lr_decay_steps", decaySteps, "warmup plus decay exceed the \(totalSteps) steps")
            }
        case .inverseSqrt:
            if let timescale, timescale < 1 { throw invalid("lr_scheduler_timescale", timescale, "must be >= 1") }
        default:
            break
        }
        if let minimumRatio, !(0...1).contains(minimumRatio) {
            throw invalid("lr_scheduler_min_lr_ratio", minimumRatio, "must be in [0, 1]")
        }
        self.kind = kind
        self.totalSteps = totalSteps
        self.warmupSteps = warmupSteps
        self.cycles = cycles
        self.power = power
        self.initialLearningRate = learningRate
        self.minimumRatio = minimumRatio ?? 0
        self.decaySteps = decaySteps
        self.timescale = timescale ?? (warmupSteps != 0 ? warmupSteps : 10_000)
    }

    /// The multiplier for optimizer step `step` (0-based), as the transformers lambda computes it.
    public func multiplier(step: Int) -> Double {
        let current = Double(step)
        let warmup = Double(warmupSteps)
        let total = Double(totalSteps)
        let warmupFactor = current / max(1, warmup)
        switch kind {
        case .constant:
            return 1
        case .constantWithWarmup:
            return step < warmupSteps ? warmupFactor : 1
        case .linear:
            if step < warmupSteps { return warmupFactor }
            return max(0, (total - current) / max(1, total - warmup))
        case .cosine, .cosineWithMinLR:
            if step < warmupSteps { return warmupFactor }
            let progress = (current - warmup) / max(1, total - warmup)
            let halfCycles = kind == .cosine ? 0.5 : Double(cycles) / 2
            let factor = 0.5 * (1 + cos(Double.pi * halfCycles * 2 * progress))
            return kind == .cosine ? max(0, factor) : max(0, factor * (1 - minimumRatio) + minimumRatio)
        case .cosineWithRestarts:
            if step < warmupSteps { return warmupFactor }
            let progress = (current - warmup) / max(1, total - warmup)
            if progress >= 1 { return 0 }
            return max(0, 0.5 * (1 + cos(Double.pi * (Double(cycles) * progress).truncatingRemainder(dividingBy: 1))))
        case .polynomial:
            if step < warmupSteps { return warmupFactor }
            let end = Self.polynomialEndRate
            let initial = initialLearningRate
            if step > totalSteps { return end / initial }
            let remaining = 1 - (current - warmup) / (total - warmup)
            return ((initial - end) * pow(remaining, power) + end) / initial
        case .inverseSqrt:
            if step < warmupSteps { return warmupFactor }
            let scale = Double(timescale)
            return 1 / ((current + scale - warmup) / scale).squareRoot()
        case .warmupStableDecay:
            let ratio = minimumRatio
            if step < warmupSteps { return max(0, warmupFactor * (1 - ratio) + ratio) }
            let stable = totalSteps - warmupSteps - decaySteps
            if step < warmupSteps + stable { return 1 }
            if step < warmupSteps + stable + decaySteps {
                let progress = Double(step - warmupSteps - stable) / Double(max(1, decaySteps))
                let factor = 0.5 * (1 + cos(Double.pi * (Double(cycles) / 2) * 2 * progress))
                return max(0, factor * (1 - ratio) + ratio)
            }
            return ratio
        }
    }

    /// `base · multiplier(step:)`.
    public func learningRate(base: Double, step: Int) -> Double { base * multiplier(step: step) }
}

/// Errors from building a learning-rate schedule.
public enum LearningRateScheduleError: Error, CustomStringConvertible, Equatable {
    case unknownScheduler(name: String, supported: [String])
    case invalidValue(field: String, value: String, reason: String)

    public var description: String {
        switch self {
        case .unknownScheduler(let name, let supported):
            let unsupported =
                ["adafactor", "piecewise_constant"].contains { name.hasPrefix($0) }
                ? " (kohya's \(name) needs its own optimizer or step rules; lorad does not support it)" : ""
            return "lr_scheduler: unknown scheduler '\(name)'\(unsupported); supported: "
                + supported.joined(separator: ", ")
        case .invalidValue(let field, let value, let reason):
            return "\(field) = \(value): \(reason)"
        }
    }
}
