import Foundation

/// AdamW with 8-bit moments as bitsandbytes' `AdamW8bit` computes it on the GPU (the CUDA kernels
/// `kOptimizerStatic8bit2StateBlockwise` and, for tensors under `minimum8BitSize` elements, `kOptimizer32bit2State`):
///
/// - moments `m = β1·m + (1-β1)·g`, `v = β2·v + (1-β2)·g²`;
/// - `p += -lr·c2/c1 · m / (√v + eps·c2)` with `c1 = 1-β1ᵗ`, `c2 = √(1-β2ᵗ)` (float32), then the decay
///   `p *= 1 - lr·wd`: bnb decays after the update, torch's AdamW before it;
/// - in 8-bit tensors the moments live as block-wise dynamic codes (see `DynamicQuantization`), dequantised before
///   and re-quantised after each step; a non-finite gradient element zeroes its moments and leaves its weight.
public final class AdamW8bit: Optimizer {
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Double
    /// Tensors with fewer elements keep 32-bit moments (bnb's `min_8bit_size`).
    public let minimum8BitSize: Int

    private enum Moments {
        case full(m: [Float], v: [Float])
        case quantized(m: [UInt8], v: [UInt8], mAbsmax: [Float], vAbsmax: [Float])
    }
    private struct Slot {
        var step: Int
        var moments: Moments
    }
    private var slots: [String: Slot] = [:]

    /// bnb's defaults: betas (0.9, 0.999), eps 1e-8, weight_decay 0.01, min_8bit_size 4096. Out-of-range values throw.
    public init(
        beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0.01,
        minimum8BitSize: Int = 4096
    ) throws {
        try validateHyperparameters(
            optimizer: "AdamW8bit", betas: [beta1, beta2], epsilon: epsilon, weightDecay: weightDecay)
        guard minimum8BitSize >= 0 else {
            throw OptimizerError.invalidArgument(
                optimizer: "AdamW8bit", name: "min_8bit_size", value: "\(minimum8BitSize)", reason: "must be >= 0")
        }
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.minimum8BitSize = minimum8BitSize
    }

    public func step(_ groups: [ParameterGroup], learningRates: [Double]) throws {
        try validateStep(groups, learningRates: learningRates)
        for group in groups {
            for parameter in group.parameters {
                guard let slot = slots[parameter.name] else { continue }
                let n = parameter.value.count
                switch slot.moments {
                case .full(let m, let v):
                    guard n < minimum8BitSize else {
                        throw OptimizerError.stateMismatch(
                            parameter: parameter.name, reason: "32-bit moments for an 8-bit tensor")
                    }
                    try checkStateSize(m, n, parameter: parameter, slot: "state1")
                    try checkStateSize(v, n, parameter: parameter, slot: "state2")
                case .quantized(let m, let v, let mAbsmax, let vAbsmax):
                    guard n >= minimum8BitSize else {
                        throw OptimizerError.stateMismatch(
                            parameter: parameter.name, reason: "8-bit moments for a 32-bit tensor")
                    }
                    guard m.count == n, v.count == n, mAbsmax.count == blocks(n), vAbsmax.count == blocks(n) else {
                        throw OptimizerError.stateMismatch(
                            parameter: parameter.name, reason: "8-bit moments of another size")
                    }
                }
            }
        }
        for (group, lr) in zip(groups, learningRates) {
            for parameter in group.parameters { update(parameter, lr: Float(lr)) }
        }
    }

    private func blocks(_ n: Int) -> Int { (n + DynamicQuantization.blockSize - 1) / DynamicQuantization.blockSize }

    private func update(_ parameter: TrainableParameter, lr: Float) {
        let n = parameter.value.count
        var slot =
            slots[parameter.name]
            ?? Slot(
                step: 0,
                moments: n < minimum8BitSize
                    ? .full(m: [Float](repeating: 0, count: n), v: [Float](repeating: 0, count: n))
                    : .quantized(
                        m: [UInt8](repeating: 0, count: n), v: [UInt8](repeating: 0, count: n),
                        mAbsmax: [Float](repeating: 0, count: blocks(n)),
                        vAbsmax: [Float](repeating: 0, count: blocks(n))))
        slot.step += 1
        let b1 = Float(beta1)
        let b2 = Float(beta2)
        let eps = Float(epsilon)
        let wd = Float(weightDecay)
        let correction1 = 1 - powf(b1, Float(slot.step))
        let correction2 = (1 - powf(b2, Float(slot.step))).squareRoot()
        let stepSize = -lr * correction2 / correction1
        let decay = 1 - lr * wd
        let gradient = parameter.gradient

        switch slot.moments {
        case .full(var m, var v):
            parameter.value.withUnsafeMutableBufferPointer { p in
                for i in 0..<n {
                    let g = gradient[i]
                    m[i] = m[i] * b1 + (1 - b1) * g
                    v[i] = v[i] * b2 + (1 - b2) * (g * g)
                    p[i] = p[i] + stepSize * (m[i] / (v[i].squareRoot() + eps * correction2))
                    if wd > 0 { p[i] = p[i] * decay }
                }
            }
            slot.moments = .full(m: m, v: v)
        case .quantized(var mCodes, var vCodes, var mAbsmax, var vAbsmax):
            var m = DynamicQuantization.dequantize(codes: mCodes, absmax: mAbsmax, signed: true)
            var v = DynamicQuantization.dequantize(codes: vCodes, absmax: vAbsmax, signed: false)
            parameter.value.withUnsafeMutableBufferPointer { p in
                for i in 0..<n {
                    let g = gradient[i]
                    guard g.isFinite else {
                        m[i] = 0
                        v[i] = 0
                        continue
                    }
                    v[i] = v[i] * b2 + (1 - b2) * g * g
                    m[i] = m[i] * b1 + (1 - b1) * g
                    p[i] = p[i] + stepSize * (m[i] / (v[i].squareRoot() + correction2 * eps))
                    if wd > 0 { p[i] = p[i] * decay }
                }
            }
            DynamicQuantization.quantize(m, signed: true, codes: &mCodes, absmax: &mAbsmax)
            DynamicQuantization.quantize(v, signed: false, codes: &vCodes, absmax: &vAbsmax)
            slot.moments = .quantized(m: mCodes, v: vCodes, mAbsmax: mAbsmax, vAbsmax: vAbsmax)
        }
        slots[parameter.name] = slot
    }

    public func state() -> OptimizerState {
        var state = OptimizerState()
        func put(_ key: String, _ values: [Float]) { state.tensors[key] = .init(shape: [values.count], values: values) }
        for (name, slot) in slots {
            state.scalars["\(name).step"] = Double(slot.step)
            switch slot.moments {
            case .full(let m, let v):
                put("\(name).state1", m)
                put("\(name).state2", v)
            case .quantized(let m, let v, let mAbsmax, let vAbsmax):
                put("\(name).state1", m.map(Float.init))
                put("\(name).state2", v.map(Float.init))
                put("\(name).absmax1", mAbsmax)
                put("\(name).absmax2", vAbsmax)
            }
        }
        return state
    }

    public func restore(_ state: OptimizerState) throws {
        var reader = OptimizerStateReader(state)
        var restored: [String: Slot] = [:]
        func codes(_ key: String, _ values: [Float]) throws -> [UInt8] {
            guard values.allSatisfy({ $0 >= 0 && $0 <= 255 && $0 == $0.rounded() }) else {
                throw OptimizerError.malformedState(entry: key, reason: "8-bit codes must be whole numbers in 0...255")
            }
            return values.map { UInt8($0) }
        }
        for name in reader.parameterNames {
            let step = try reader.count("\(name).step")
            let m = try reader.tensor("\(name).state1")
            let v = try reader.tensor("\(name).state2", count: m.count)
            if reader.hasTensor("\(name).absmax1") {
                let mAbsmax = try reader.tensor("\(name).absmax1", count: blocks(m.count))
                let vAbsmax = try reader.tensor("\(name).absmax2", count: blocks(m.count))
                restored[name] = Slot(
                    step: step,
                    moments: .quantized(
                        m: try codes("\(name).state1", m), v: try codes("\(name).state2", v),
                        mAbsmax: mAbsmax, vAbsmax: vAbsmax))
            } else {
                restored[name] = Slot(step: step, moments: .full(m: m, v: v))
            }
        }
        try reader.finish()
        slots = restored
    }
}
