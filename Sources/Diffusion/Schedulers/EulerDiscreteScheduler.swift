import Foundation
import Tensors

/// Euler's method on the probability-flow ODE (Karras et al. 2022, algorithm 2 without churn).
/// Matches diffusers `schedulers/scheduling_euler_discrete.py` (`EulerDiscreteScheduler`, s_churn = 0).
public struct EulerDiscreteScheduler: Scheduler {
    public let timesteps: [Float]
    public let sigmas: [Float]
    public let initNoiseSigma: Float
    public let predictionType: PredictionType

    /// Unset keys take `EulerDiscreteScheduler`'s defaults: timestep_spacing "linspace", steps_offset 0,
    /// interpolation_type "linear", final_sigmas_type "zero", timestep_type "discrete". `use_karras_sigmas` is not
    /// read: Karras sigmas are a sampler choice (`Sampler.dpmpp2MKarras`), not a property of the model.
    public init(config: SchedulerConfig, steps: Int) throws {
        let schedule = try NoiseSchedule(config: config, zeroSNRFloor: true)
        predictionType = try PredictionType(config: config)
        for (key, on) in [
            ("use_exponential_sigmas", config.useExponentialSigmas), ("use_beta_sigmas", config.useBetaSigmas),
        ] where on == true {
            throw SchedulerError.unsupported(key, "true")
        }
        let interpolation = config.interpolationType ?? "linear"
        guard interpolation == "linear" else { throw SchedulerError.unsupported("interpolation_type", interpolation) }

        let spacing = try TimestepSpacing(config.timestepSpacing ?? "linspace")
        let timesteps = try spacing.timesteps(
            steps: steps, trainTimesteps: schedule.trainTimesteps, stepsOffset: config.stepsOffset ?? 0)
        let trainingSigmas = schedule.sigmas
        let sigmas = timesteps.map { ScheduleMath.interpolate($0, in: trainingSigmas) }
        let finalSigma: Float
        switch config.finalSigmasType ?? "zero" {
        case "zero": finalSigma = 0
        case "sigma_min": finalSigma = trainingSigmas[0]
        case let other: throw SchedulerError.unsupported("final_sigmas_type", other)
        }
        self.sigmas = sigmas.map { Float($0) } + [finalSigma]

        // EDM-style v-prediction models take c_noise = ¼·ln σ as the timestep.
        if config.timestepType == "continuous" && predictionType == .vPrediction {
            self.timesteps = self.sigmas.dropLast().map { 0.25 * Foundation.log($0) }
        } else {
            self.timesteps = timesteps.map { Float($0) }
        }
        initNoiseSigma = spacing.initNoiseSigma(maxSigma: self.sigmas.max() ?? 0)
    }

    public func scaleModelInput(_ sample: Tensor, step index: Int, on backend: any Backend) -> Tensor {
        let sigma = sigmas[index]
        return backend.scale(sample, by: 1 / (sigma * sigma + 1).squareRoot())
    }

    /// x ← x + (x − D)/σᵢ · (σᵢ₊₁ − σᵢ), with D the denoised sample.
    public func step(_ modelOutput: Tensor, step index: Int, sample: Tensor, on backend: any Backend) -> Tensor {
        let (sigma, next) = (sigmas[index], sigmas[index + 1])
        let denoised = PredictionType.denoised(
            predictionType, modelOutput: modelOutput, sample: sample, sigma: sigma, on: backend)
        let ratio = (next - sigma) / sigma
        return backend.linearCombination([(1 + ratio, sample), (-ratio, denoised)])
    }
}
