import Foundation

/// Prodigy as `prodigyopt.Prodigy` 1.1.2: Adam whose step size `d` is estimated from the distance travelled.
///
/// As in the reference: one `d` is shared by all groups, and the step uses the largest group learning rate, so
/// every group's rate must be that rate or 0 (a 0-rate group adds nothing to the estimate of `d`, yet is still
/// stepped and decayed with the shared rate). A step in which no gradient moved the estimate changes nothing.
public final class Prodigy: Optimizer {
    public struct Options: Equatable, Sendable {
        public var beta1 = 0.9
        public var beta2 = 0.999
        /// nil: √β2.
        public var beta3: Double? = nil
        public var epsilon = 1e-8
        public var weightDecay = 0.0
        public var decouple = true
        public var useBiasCorrection = false
        public var safeguardWarmup = false
        public var d0 = 1e-6
        public var dCoefficient = 1.0
        public var growthRate = Double.infinity
        /// Estimate `d` from every `sliceP`-th element only.
        public var sliceP = 1

        public init() {}
    }

    public let options: Options

    private struct Slot {
        var step: Int
        var s: [Float]
        /// The sliced starting values; nil when the parameter started all zero (the reference keeps a 0-dim zero).
        var p0: [Float]?
        var exp_avg: [Float]
        var exp_avg_sq: [Float]
    }
    private var slots: [String: Slot] = [:]
    private var d: Double
    private var dMax: Double
    private var dNumerator = 0.0
    private var k = 0

    public init(options: Options = Options()) throws {
        func invalid(_ name: String, _ value: Any, _ reason: String) -> OptimizerError {
            .invalidArgument(optimizer: "Prodigy", name: name, value: "\(value)", reason: reason)
        }
        guard options.d0 > 0, options.d0.isFinite else { throw invalid("d0", options.d0, "must be > 0") }
        guard options.epsilon > 0 else { throw invalid("eps", options.epsilon, "must be > 0") }
        guard (0..<1).contains(options.beta1) else { throw invalid("betas", options.beta1, "beta1 must be in [0, 1)") }
        guard (0..<1).contains(options.beta2) else { throw invalid("betas", options.beta2, "beta2 must be in [0, 1)") }
        if let beta3 = options.beta3, !(0...1).contains(beta3) { throw invalid("beta3", beta3, "must be in [0, 1]") }
        guard options.sliceP >= 1 else { throw invalid("slice_p", options.sliceP, "must be >= 1") }
        guard options.growthRate > 0 else { throw invalid("growth_rate", options.growthRate, "must be > 0") }
        guard options.weightDecay.isFinite, options.dCoefficient.isFinite else {
            throw invalid("weight_decay/d_coef", "\(options.weightDecay)/\(options.dCoefficient)", "must be finite")
        }
        self.options = options
        d = options.d0
        dMax = options.d0
    }

    /// The current step-size estimate `d` (kohya logs `d·lr`).
    public var stepSizeEstimate: Double { d }

    public func step(_ groups: [ParameterGroup], learningRates: [Double]) throws {
        try validateStep(groups, learningRates: learningRates)
        let lr = learningRates.max() ?? 0
        if learningRates.contains(where: { $0 != lr && $0 != 0 }) {
            throw OptimizerError.prodigyGroupLearningRates(rates: learningRates)
        }
        let sliced = { (n: Int) in (n + self.options.sliceP - 1) / self.options.sliceP }
        for group in groups {
            for parameter in group.parameters {
                guard let slot = slots[parameter.name] else { continue }
                let n = parameter.value.count
                try checkStateSize(slot.exp_avg_sq, n, parameter: parameter, slot: "exp_avg_sq")
                try checkStateSize(slot.s, sliced(n), parameter: parameter, slot: "s")
                if let p0 = slot.p0 { try checkStateSize(p0, sliced(n), parameter: parameter, slot: "p0") }
                if options.beta1 > 0 { try checkStateSize(slot.exp_avg, n, parameter: parameter, slot: "exp_avg") }
            }
        }
        update(groups, learningRates: learningRates, lr: lr)
    }

    private func update(_ groups: [ParameterGroup], learningRates: [Double], lr: Double) {
        let o = options
        let beta3 = o.beta3 ?? o.beta2.squareRoot()
        let biasCorrection =
            o.useBiasCorrection
            ? (1 - pow(o.beta2, Double(k + 1))).squareRoot() / (1 - pow(o.beta1, Double(k + 1))) : 1
        let dlr = d * lr * biasCorrection
        let slice = o.sliceP
        var numerator = dNumerator * beta3
        var deltaNumerator = 0.0
        var denominator = 0.0
        // Without momentum the update reads the gradient again, including coupled decay (the reference's in-place
        // `grad.add_`), so it is kept until then.
        var keptGradients: [String: [Float]] = [:]

        let b1 = Float(o.beta1)
        let b2 = Float(o.beta2)
        let b3 = Float(beta3)
        let mScale = Float(d * (1 - o.beta1))
        let vScale = Float(d * d * (1 - o.beta2))
        let sScale = Float(o.safeguardWarmup ? (d / o.d0) * d : (d / o.d0) * dlr)
        for (group, groupLR) in zip(groups, learningRates) {
            for parameter in group.parameters {
                let n = parameter.value.count
                var g = parameter.gradient
                if o.weightDecay != 0 && !o.decouple {
                    let wd = Float(o.weightDecay)
                    for i in 0..<n { g[i] = g[i] + wd * parameter.value[i] }
                }
                if o.beta1 == 0 { keptGradients[parameter.name] = g }
                var slot = slots[parameter.name] ?? newSlot(parameter)
                guard groupLR > 0 else {
                    slots[parameter.name] = slot
                    continue
                }
                var dot = 0.0
                var j = 0
                for i in stride(from: 0, to: n, by: slice) {
                    let start = slot.p0?[j] ?? 0
                    dot += Double(g[i]) * Double(start - parameter.value[i])
                    j += 1
                }
                deltaNumerator += (d / o.d0) * dlr * Double(Float(dot))
                for i in 0..<n {
                    if o.beta1 > 0 { slot.exp_avg[i] = slot.exp_avg[i] * b1 + mScale * g[i] }
                    slot.exp_avg_sq[i] = slot.exp_avg_sq[i] * b2 + vScale * g[i] * g[i]
                }
                var sum = 0.0
                j = 0
                for i in stride(from: 0, to: n, by: slice) {
                    slot.s[j] = slot.s[j] * b3 + sScale * g[i]
                    sum += Double(abs(slot.s[j]))
                    j += 1
                }
                denominator += Double(Float(sum))
                slots[parameter.name] = slot
            }
        }
        guard denominator != 0 else { return }

        if lr > 0 {
            numerator += deltaNumerator
            let dHat = o.dCoefficient * numerator / denominator
            if d == o.d0 { d = max(d, dHat) }
            dMax = max(dMax, dHat)
            d = min(dMax, d * o.growthRate)
        }
        dNumerator = numerator

        let eps = Float(d * o.epsilon)
        let decay = Float(-o.weightDecay * dlr)
        let negDLR = Float(-dlr)
        let negDLRd = Float(-dlr * d)
        for group in groups {
            for parameter in group.parameters {
                guard var slot = slots[parameter.name] else { continue }
                let g = keptGradients[parameter.name] ?? []
                slot.step += 1
                parameter.value.withUnsafeMutableBufferPointer { p in
                    for i in 0..<p.count {
                        let denom = slot.exp_avg_sq[i].squareRoot() + eps
                        if o.weightDecay != 0 && o.decouple { p[i] = p[i] + decay * p[i] }
                        if o.beta1 > 0 {
                            p[i] += negDLR * (slot.exp_avg[i] / denom)
                        } else {
                            p[i] += negDLRd * (g[i] / denom)
                        }
                    }
                }
                slots[parameter.name] = slot
            }
        }
        k += 1
    }

    private func newSlot(_ parameter: TrainableParameter) -> Slot {
        let n = parameter.value.count
        let start = stride(from: 0, to: n, by: options.sliceP).map { parameter.value[$0] }
        return Slot(
            step: 0,
            s: [Float](repeating: 0, count: start.count),
            p0: parameter.value.contains { $0 != 0 } ? start : nil,
            exp_avg: options.beta1 > 0 ? [Float](repeating: 0, count: n) : [],
            exp_avg_sq: [Float](repeating: 0, count: n))
    }

    public func state() -> OptimizerState {
        var state = OptimizerState(scalars: ["d": d, "d_max": dMax, "d_numerator": dNumerator, "k": Double(k)])
        for (name, slot) in slots {
            state.scalars["\(name).step"] = Double(slot.step)
            state.tensors["\(name).s"] = .init(shape: [slot.s.count], values: slot.s)
            state.tensors["\(name).p0"] =
                slot.p0.map { .init(shape: [$0.count], values: $0) }
                ?? .init(shape: [], values: [0])
            if options.beta1 > 0 {
                state.tensors["\(name).exp_avg"] = .init(shape: [slot.exp_avg.count], values: slot.exp_avg)
            }
            state.tensors["\(name).exp_avg_sq"] = .init(shape: [slot.exp_avg_sq.count], values: slot.exp_avg_sq)
        }
        return state
    }

    public func restore(_ state: OptimizerState) throws {
        var reader = OptimizerStateReader(state)
        var restored: [String: Slot] = [:]
        for name in reader.parameterNames {
            let v = try reader.tensor("\(name).exp_avg_sq")
            let s = try reader.tensor("\(name).s")
            let p0 = try reader.tensor("\(name).p0")
            let zeroStart = state.tensors["\(name).p0"]?.shape == []
            if !zeroStart && p0.count != s.count {
                throw OptimizerError.malformedState(
                    entry: "\(name).p0", reason: "has \(p0.count) values, s has \(s.count)")
            }
            restored[name] = Slot(
                step: try reader.count("\(name).step"), s: s, p0: zeroStart ? nil : p0,
                exp_avg: options.beta1 > 0 ? try reader.tensor("\(name).exp_avg", count: v.count) : [],
                exp_avg_sq: v)
        }
        let d = try reader.scalar("d")
        let dMax = try reader.scalar("d_max")
        let numerator = try reader.scalar("d_numerator")
        let k = try reader.count("k")
        guard d > 0, dMax > 0 else {
            throw OptimizerError.malformedState(entry: "d", reason: "d and d_max must be > 0")
        }
        try reader.finish()
        (slots, self.d, self.dMax, dNumerator, self.k) = (restored, d, dMax, numerator, k)
    }
}
