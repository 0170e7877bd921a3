import Tensors

/// Deterministic DDIM (Song et al. 2020, η = 0). Matches diffusers `schedulers/scheduling_ddim.py` (`DDIMScheduler`,
/// `eta=0`, `use_clipped_model_output=False`).
public struct DDIMScheduler: Scheduler {
    public let timesteps: [Float]
    /// DDIM steps in ᾱ, not σ.
    public var sigmas: [Float] { [] }
    /// DDIM works on x_t = √ᾱ·x₀ + √(1−ᾱ)·ε, whose start has unit variance.
    public var initNoiseSigma: Float { 1 }
    public let predictionType: PredictionType
    private let alphasCumprod: [Float]
    /// ᾱ "before" the first training step: 1 with set_alpha_to_one, else ᾱ₀.
    private let finalAlphaCumprod: Float
    /// diffusers steps back by `num_train_timesteps // steps` whatever the spacing.
    private let stride: Int
    private let clipRange: Float?

    /// Unset keys take `DDIMScheduler`'s defaults: timestep_spacing "leading", steps_offset 0, clip_sample true
    /// (range 1), set_alpha_to_one true.
    public init(config: SchedulerConfig, steps: Int) throws {
        let schedule = try NoiseSchedule(config: config, zeroSNRFloor: false)
        let count = schedule.trainTimesteps
        guard steps > 0, steps <= count else {
            throw SchedulerError.invalid("steps", "\(steps) is not in 1...\(count)")
        }
        if config.thresholding == true { throw SchedulerError.unsupported("thresholding", "true") }
        predictionType = try PredictionType(config: config)
        alphasCumprod = schedule.alphasCumprod
        finalAlphaCumprod = (config.setAlphaToOne ?? true) ? 1 : schedule.alphasCumprod[0]
        let stride = count / steps
        self.stride = stride
        clipRange = (config.clipSample ?? true) ? Float(config.clipSampleRange ?? 1) : nil

        let timesteps: [Int]
        switch try TimestepSpacing(config.timestepSpacing ?? "leading") {
        case .linspace:
            timesteps = ScheduleMath.numpyLinspace(0, Double(count - 1), count: steps).reversed()
                .map { Int(ScheduleMath.round($0)) }
        case .leading:
            timesteps = (0..<steps).reversed().map { $0 * stride + (config.stepsOffset ?? 0) }
        case .trailing:
            timesteps = ScheduleMath.numpyArange(Double(count), 0, step: -Double(count) / Double(steps))
                .map { Int(ScheduleMath.round($0)) - 1 }
        }
        // diffusers would index ᾱ out of range (or from the end) here.
        if let outside = timesteps.first(where: { !(0..<count).contains($0) }) {
            throw SchedulerError.invalid("steps", "timestep \(outside) is outside 0..<\(count) with \(steps) steps")
        }
        self.timesteps = timesteps.map { Float($0) }
    }

    public func scaleModelInput(_ sample: Tensor, step index: Int, on backend: any Backend) -> Tensor { sample }

    /// x₀ = (x − √(1−ᾱₜ)·ε)/√ᾱₜ (clipped if configured), x_prev = √ᾱ_prev·x₀ + √(1−ᾱ_prev)·ε.
    public func step(_ modelOutput: Tensor, step index: Int, sample: Tensor, on backend: any Backend) -> Tensor {
        let t = Int(timesteps[index])
        let previous = t - stride
        let alpha = alphasCumprod[t]
        let alphaPrevious = previous >= 0 ? alphasCumprod[previous] : finalAlphaCumprod
        let (rootAlpha, rootBeta) = (alpha.squareRoot(), (1 - alpha).squareRoot())
        var original: Tensor
        let epsilon: Tensor
        switch predictionType {
        case .epsilon:
            original = backend.linearCombination([(1 / rootAlpha, sample), (-rootBeta / rootAlpha, modelOutput)])
            epsilon = modelOutput
        case .vPrediction:
            original = backend.linearCombination([(rootAlpha, sample), (-rootBeta, modelOutput)])
            epsilon = backend.linearCombination([(rootAlpha, modelOutput), (rootBeta, sample)])
        }
        if let clipRange { original = backend.clamp(original, min: -clipRange, max: clipRange) }
        return backend.linearCombination([
            (alphaPrevious.squareRoot(), original), ((1 - alphaPrevious).squareRoot(), epsilon),
        ])
    }
}
