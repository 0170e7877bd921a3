import Foundation
import Tensors

/// DPM-Solver++(2M) (Lu et al. 2022): a second-order multistep solver in log-SNR time on the data prediction.
/// Matches diffusers `schedulers/scheduling_dpmsolver_multistep.py` (`DPMSolverMultistepScheduler` with
/// `algorithm_type="dpmsolver++"`, `solver_order=2`), optionally on Karras sigmas.
public struct DPMSolverMultistepScheduler: Scheduler {
    public let timesteps: [Float]
    public let sigmas: [Float]
    /// DPM-Solver works on x_t = α·x₀ + σ·ε (variance preserving), whose start has unit variance.
    public var initNoiseSigma: Float { 1 }
    public let predictionType: PredictionType
    private let usesHeun: Bool
    private let lowerOrderFinal: Bool
    private let eulerAtFinal: Bool
    private let finalSigmaIsZero: Bool
    /// The previous step's data prediction, once a first step has run.
    private var previousDenoised: Tensor?

    /// Unset keys take `DPMSolverMultistepScheduler`'s defaults: timestep_spacing "linspace", steps_offset 0,
    /// solver_type "midpoint", lower_order_final true, final_sigmas_type "zero". `algorithm_type` and
    /// `solver_order` are those of DPM++ 2M whatever the config says, and `karras` replaces `use_karras_sigmas`:
    /// these name the sampler, not the model.
    public init(config: SchedulerConfig, steps: Int, karras: Bool) throws {
        guard steps > 0 else { throw SchedulerError.invalid("steps", "\(steps) is not positive") }
        let schedule = try NoiseSchedule(config: config, zeroSNRFloor: true)
        predictionType = try PredictionType(config: config)
        for (key, on) in [
            ("use_exponential_sigmas", config.useExponentialSigmas), ("use_beta_sigmas", config.useBetaSigmas),
            ("use_lu_lambdas", config.useLuLambdas), ("use_flow_sigmas", config.useFlowSigmas),
            ("thresholding", config.thresholding),
        ] where on == true {
            throw SchedulerError.unsupported(key, "true")
        }
        if let variance = config.varianceType { throw SchedulerError.unsupported("variance_type", variance) }
        switch config.solverType ?? "midpoint" {
        case "midpoint", "logrho", "bh1", "bh2": usesHeun = false  // diffusers maps the last three to midpoint
        case "heun": usesHeun = true
        case let other: throw SchedulerError.unsupported("solver_type", other)
        }
        lowerOrderFinal = config.lowerOrderFinal ?? true
        eulerAtFinal = config.eulerAtFinal ?? false

        let count = schedule.trainTimesteps
        let trainingSigmas = schedule.sigmas
        let lastTimestep = count - Self.clippedSteps(schedule, lambdaMin: config.lambdaMinClipped ?? -.infinity)
        var timesteps: [Int]
        switch try TimestepSpacing(config.timestepSpacing ?? "linspace") {
        case .linspace:
            timesteps = ScheduleMath.numpyLinspace(0, Double(lastTimestep - 1), count: steps + 1).reversed()
                .dropLast().map { Int(ScheduleMath.round($0)) }
        case .leading:
            let ratio = lastTimestep / (steps + 1)
            timesteps = (1...steps).reversed().map { $0 * ratio + (config.stepsOffset ?? 0) }
        case .trailing:
            let ratio = Double(count) / Double(steps)
            timesteps = ScheduleMath.numpyArange(Double(lastTimestep), 0, step: -ratio)
                .map { Int(ScheduleMath.round($0)) - 1 }
        }
        var sigmas: [Double]
        if karras {
            sigmas = ScheduleMath.karrasSigmas(
                sigmaMin: Double(trainingSigmas[0]), sigmaMax: Double(trainingSigmas[count - 1]), count: steps)
            let logSigmas = trainingSigmas.map { Foundation.log($0) }
            let cosine = config.betaSchedule == "squaredcos_cap_v2"
            timesteps = sigmas.map { sigma in
                let t = ScheduleMath.timestep(forSigma: sigma, logSigmas: logSigmas)
                return Int(cosine ? t : ScheduleMath.round(t))
            }
        } else {
            sigmas = timesteps.map { ScheduleMath.interpolate(Double($0), in: trainingSigmas) }
        }
        switch config.finalSigmasType ?? "zero" {
        case "zero": finalSigmaIsZero = true; sigmas.append(0)
        case "sigma_min": finalSigmaIsZero = false; sigmas.append(Double(trainingSigmas[0]))
        case let other: throw SchedulerError.unsupported("final_sigmas_type", other)
        }
        self.sigmas = sigmas.map { Float($0) }
        self.timesteps = timesteps.map { Float($0) }
    }

    /// How many of the noisiest training steps `lambda_min_clipped` removes: `searchsorted` of the ascending
    /// log-SNR λ = ln α − ln σ.
    private static func clippedSteps(_ schedule: NoiseSchedule, lambdaMin: Double) -> Int {
        let ascending = schedule.alphasCumprod.reversed().map { alphaBar in
            Foundation.log(alphaBar.squareRoot()) - Foundation.log((1 - alphaBar).squareRoot())
        }
        return ascending.firstIndex { Double($0) >= lambdaMin } ?? ascending.count
    }

    public func scaleModelInput(_ sample: Tensor, step index: Int, on backend: any Backend) -> Tensor { sample }

    public mutating func step(_ modelOutput: Tensor, step index: Int, sample: Tensor, on backend: any Backend) -> Tensor {
        let last = timesteps.count - 1
        let finalFirstOrder = index == last && (eulerAtFinal || (lowerOrderFinal && timesteps.count < 15) || finalSigmaIsZero)
        let current = VPCoefficients(sigmas[index])
        let target = VPCoefficients(sigmas[index + 1])
        let denoised: Tensor
        switch predictionType {
        case .epsilon:
            denoised = backend.linearCombination([
                (1 / current.alpha, sample), (-current.sigma / current.alpha, modelOutput),
            ])
        case .vPrediction:
            denoised = backend.linearCombination([(current.alpha, sample), (-current.sigma, modelOutput)])
        }
        let h = target.lambda - current.lambda
        let decay = target.alpha * (Foundation.exp(-h) - 1)
        let next: Tensor
        if let previous = previousDenoised, !finalFirstOrder {
            // D1 = (m0 − m1)/r0 with r0 = h₀/h, h₀ the previous step's log-SNR increment.
            let h0 = current.lambda - VPCoefficients(sigmas[index - 1]).lambda
            let d1Weight = usesHeun
                ? target.alpha * ((Foundation.exp(-h) - 1) / h + 1) / (h0 / h)
                : -0.5 * decay / (h0 / h)
            next = backend.linearCombination([
                (target.sigma / current.sigma, sample), (-decay + d1Weight, denoised), (-d1Weight, previous),
            ])
        } else {
            next = backend.linearCombination([(target.sigma / current.sigma, sample), (-decay, denoised)])
        }
        previousDenoised = denoised
        return next
    }
}

/// α, σ and λ = ln α − ln σ of a variance-preserving sample at k-diffusion noise level s: α = 1/√(s²+1), σ = s·α
/// (diffusers `_sigma_to_alpha_sigma_t`), in float32. At s = 0, λ = +∞.
private struct VPCoefficients {
    let alpha: Float
    let sigma: Float
    let lambda: Float

    init(_ s: Float) {
        alpha = 1 / (s * s + 1).squareRoot()
        sigma = s * alpha
        lambda = Foundation.log(alpha) - Foundation.log(sigma)
    }
}
