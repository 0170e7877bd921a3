import Tensors

/// What the UNet predicts (diffusers' `prediction_type`).
public enum PredictionType: String, Sendable {
    /// The noise ε.
    case epsilon
    /// v = √ᾱ·ε − √(1−ᾱ)·x₀ (Salimans & Ho 2022; SD 2.x 768).
    case vPrediction = "v_prediction"

    public init(config: SchedulerConfig) throws {
        let name = config.predictionType ?? "epsilon"
        guard let type = PredictionType(rawValue: name) else { throw SchedulerError.unsupported("prediction_type", name) }
        self = type
    }

    /// The denoised sample x₀ from a sample `x` = x₀ + σ·ε of the k-diffusion parametrisation (Euler schedulers):
    /// ε: x − σ·ε̂; v: x/(σ²+1) − v̂·σ/√(σ²+1) (the model saw x/√(σ²+1)). Coefficients in float32, as diffusers
    /// multiplies 0-dim float32 tensors.
    static func denoised(
        _ type: PredictionType, modelOutput: Tensor, sample: Tensor, sigma: Float, on backend: any Backend
    ) -> Tensor {
        switch type {
        case .epsilon:
            backend.linearCombination([(1, sample), (-sigma, modelOutput)])
        case .vPrediction:
            backend.linearCombination([
                (1 / (sigma * sigma + 1), sample), (-sigma / (sigma * sigma + 1).squareRoot(), modelOutput),
            ])
        }
    }
}
