import Diffusion
import Tensors

/// What a training step asks of the UNet: the DDPM forward process of the model's scheduler config
/// (`x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε`), the target (ε, or v with v-prediction) and kohya's per-sample loss weights.
/// Coefficients are float32, as diffusers' `add_noise`/`get_velocity` and sd-scripts compute them.
public struct DiffusionObjective: Sendable {
    public let alphasCumprod: [Float]
    public let predictionType: PredictionType
    /// `min_snr_gamma` (Hang et al. 2023), `nil` for unweighted.
    public var minSNRGamma: Float?

    public init(schedule: NoiseSchedule, predictionType: PredictionType, minSNRGamma: Float? = nil) {
        alphasCumprod = schedule.alphasCumprod
        self.predictionType = predictionType
        self.minSNRGamma = minSNRGamma
    }

    public var trainTimesteps: Int { alphasCumprod.count }

    func signalScale(_ t: Int) -> Float { alphasCumprod[t].squareRoot() }
    func noiseScale(_ t: Int) -> Float { (1 - alphasCumprod[t]).squareRoot() }

    /// ᾱ/(1−ᾱ) as sd-scripts' `prepare_scheduler_for_custom_training` computes it: (√ᾱ / √(1−ᾱ))².
    public func signalToNoiseRatio(_ t: Int) -> Float {
        let ratio = signalScale(t) / noiseScale(t)
        return ratio * ratio
    }

    /// `x_t` for latents `x₀ [B, h, w, C]`, noise `[B, h, w, C]` and one timestep per sample.
    public func noisyLatents(_ latents: Tensor, noise: Tensor, timesteps: [Int], on backend: any Backend) -> Tensor {
        backend.add(
            backend.multiply(latents, perSample(timesteps.map(signalScale), backend)),
            backend.multiply(noise, perSample(timesteps.map(noiseScale), backend)))
    }

    /// The UNet's target: the noise, or `v = √ᾱ·ε − √(1−ᾱ)·x₀`.
    public func target(latents: Tensor, noise: Tensor, timesteps: [Int], on backend: any Backend) -> Tensor {
        switch predictionType {
        case .epsilon:
            noise
        case .vPrediction:
            backend.subtract(
                backend.multiply(noise, perSample(timesteps.map(signalScale), backend)),
                backend.multiply(latents, perSample(timesteps.map(noiseScale), backend)))
        }
    }

    /// sd-scripts' `apply_snr_weight`: min(SNR, γ)/SNR for ε, min(SNR, γ)/(SNR + 1) for v; 1 without γ.
    public func lossWeight(_ t: Int) -> Float {
        guard let gamma = minSNRGamma else { return 1 }
        let snr = signalToNoiseRatio(t)
        return min(snr, gamma) / (predictionType == .vPrediction ? snr + 1 : snr)
    }

    /// A `[B, 1, 1, 1]` tensor broadcasting one value per sample over an NHWC batch.
    private func perSample(_ values: [Float], _ backend: any Backend) -> Tensor {
        backend.upload(values, shape: [values.count, 1, 1, 1])
    }
}
