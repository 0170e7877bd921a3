import Tensors

/// Ancestral Euler sampling: an Euler step down to σ_down, then fresh noise of σ_up (k-diffusion
/// `sample_euler_ancestral`, η = 1). Matches diffusers `schedulers/scheduling_euler_ancestral_discrete.py`
/// (`EulerAncestralDiscreteScheduler`), with each step's noise drawn from a Philox stream instead of torch's
/// generator.
public struct EulerAncestralDiscreteScheduler: Scheduler {
    public let timesteps: [Float]
    public let sigmas: [Float]
    public let initNoiseSigma: Float
    public let predictionType: PredictionType
    /// Successive draws of the latent shape, in NCHW order, one per step (the last one too, scaled by σ_up = 0).
    private var noise: PhiloxGenerator

    /// Unset keys take `EulerAncestralDiscreteScheduler`'s defaults: timestep_spacing "linspace", steps_offset 0.
    /// The per-step noise comes from `PhiloxGenerator(seed: noiseSeed, stream: 1)`.
    public init(config: SchedulerConfig, steps: Int, noiseSeed: UInt64) throws {
        let schedule = try NoiseSchedule(config: config, zeroSNRFloor: true)
        predictionType = try PredictionType(config: config)
        let spacing = try TimestepSpacing(config.timestepSpacing ?? "linspace")
        let timesteps = try spacing.timesteps(
            steps: steps, trainTimesteps: schedule.trainTimesteps, stepsOffset: config.stepsOffset ?? 0)
        let trainingSigmas = schedule.sigmas
        self.timesteps = timesteps.map { Float($0) }
        sigmas = timesteps.map { Float(ScheduleMath.interpolate($0, in: trainingSigmas)) } + [0]
        initNoiseSigma = spacing.initNoiseSigma(maxSigma: sigmas.max() ?? 0)
        noise = PhiloxGenerator(seed: noiseSeed, stream: 1)
    }

    public func scaleModelInput(_ sample: Tensor, step index: Int, on backend: any Backend) -> Tensor {
        let sigma = sigmas[index]
        return backend.scale(sample, by: 1 / (sigma * sigma + 1).squareRoot())
    }

    /// x ← x + (x − D)/σᵢ · (σ_down − σᵢ) + σ_up·z, σ_up = √(σᵢ₊₁²(σᵢ² − σᵢ₊₁²)/σᵢ²), σ_down = √(σᵢ₊₁² − σ_up²).
    public mutating func step(_ modelOutput: Tensor, step index: Int, sample: Tensor, on backend: any Backend) -> Tensor {
        let (sigma, next) = (sigmas[index], sigmas[index + 1])
        let sigmaUp = (next * next * (sigma * sigma - next * next) / (sigma * sigma)).squareRoot()
        let sigmaDown = max(next * next - sigmaUp * sigmaUp, 0).squareRoot()
        let denoised = PredictionType.denoised(
            predictionType, modelOutput: modelOutput, sample: sample, sigma: sigma, on: backend)
        let z = noise.channelsLastNormal(sample.shape, on: backend)
        let ratio = (sigmaDown - sigma) / sigma
        return backend.linearCombination([(1 + ratio, sample), (-ratio, denoised), (sigmaUp, z)])
    }
}
