import Foundation

/// The `scheduler_config.json` of a single-file checkpoint, which stores none: the config that the family's
/// reference diffusers folder ships (runwayml SD 1.5's PNDM, stabilityai SD 2.1's DDIM, SDXL base's Euler), with
/// the prediction type that the file implies.
struct SingleFileScheduler: Encodable, Sendable {
    var className: String
    var numTrainTimesteps = 1000
    var betaStart = 0.00085
    var betaEnd = 0.012
    var betaSchedule = "scaled_linear"
    var predictionType: PredictionType.RawValue
    var clipSample = false
    var setAlphaToOne = false
    var skipPrkSteps = true
    var stepsOffset = 1
    var interpolationType: String?
    var sampleMaxValue: Double?
    var timestepSpacing: String?
    var useKarrasSigmas: Bool?

    enum CodingKeys: String, CodingKey {
        case className = "_class_name"
        case numTrainTimesteps = "num_train_timesteps"
        case betaStart = "beta_start"
        case betaEnd = "beta_end"
        case betaSchedule = "beta_schedule"
        case predictionType = "prediction_type"
        case clipSample = "clip_sample"
        case setAlphaToOne = "set_alpha_to_one"
        case skipPrkSteps = "skip_prk_steps"
        case stepsOffset = "steps_offset"
        case interpolationType = "interpolation_type"
        case sampleMaxValue = "sample_max_value"
        case timestepSpacing = "timestep_spacing"
        case useKarrasSigmas = "use_karras_sigmas"
    }

    init(architecture: ModelArchitecture, prediction: PredictionType) {
        predictionType = prediction.rawValue
        switch architecture {
        case .sd1:
            className = "PNDMScheduler"
        case .sd2:
            className = "DDIMScheduler"
        case .sdxl:
            className = "EulerDiscreteScheduler"
            interpolationType = "linear"
            sampleMaxValue = 1
            timestepSpacing = "leading"
            useKarrasSigmas = false
        }
    }

    /// What a single file's UNet predicts. ComfyUI reads a `v_pred` marker tensor in any family, and the
    /// `modelspec.prediction_type` metadata names it; otherwise diffusers' `_legacy_load_scheduler` rule holds:
    /// SD 2.x is v-prediction (the 768-v model) unless `global_step` is 875000 (SD 2 base), the rest epsilon.
    static func prediction(of tensors: CheckpointTensors, architecture: ModelArchitecture) -> PredictionType {
        if tensors["v_pred"] != nil { return .vPrediction }
        switch tensors.metadata["modelspec.prediction_type"] {
        case "v", "v_prediction": return .vPrediction
        case "epsilon": return .epsilon
        default: break
        }
        guard architecture == .sd2 else { return .epsilon }
        let step = tensors["global_step"] != nil ? try? tensors.floats("global_step") : nil
        return step == [875_000] ? .epsilon : .vPrediction
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
