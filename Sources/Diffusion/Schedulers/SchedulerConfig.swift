import Foundation

/// The fields of a diffusers `scheduler_config.json` that lorad's samplers read.
///
/// Every field is optional: a model ships the config of one scheduler (SD1.5's is a `PNDMScheduler` config), and
/// diffusers' `from_config` gives each other scheduler only the keys its own `__init__` takes, with that scheduler's
/// defaults for the rest. So defaults are applied by each scheduler, not here.
public struct SchedulerConfig: Decodable, Sendable, Equatable {
    /// The scheduler the config was written for (`_class_name`).
    public var className: String?
    public var numTrainTimesteps: Int?
    public var betaStart: Double?
    public var betaEnd: Double?
    public var betaSchedule: String?
    public var trainedBetas: [Double]?
    public var predictionType: String?
    public var timestepSpacing: String?
    public var stepsOffset: Int?
    public var rescaleBetasZeroSnr: Bool?
    // EulerDiscreteScheduler
    public var interpolationType: String?
    public var useExponentialSigmas: Bool?
    public var useBetaSigmas: Bool?
    public var timestepType: String?
    public var finalSigmasType: String?
    // DDIMScheduler
    public var clipSample: Bool?
    public var clipSampleRange: Double?
    public var setAlphaToOne: Bool?
    public var thresholding: Bool?
    // DPMSolverMultistepScheduler
    public var solverOrder: Int?
    public var algorithmType: String?
    public var solverType: String?
    public var lowerOrderFinal: Bool?
    public var eulerAtFinal: Bool?
    public var useLuLambdas: Bool?
    public var useFlowSigmas: Bool?
    public var lambdaMinClipped: Double?
    public var varianceType: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case className = "_class_name"
        case numTrainTimesteps = "num_train_timesteps"
        case betaStart = "beta_start"
        case betaEnd = "beta_end"
        case betaSchedule = "beta_schedule"
        case trainedBetas = "trained_betas"
        case predictionType = "prediction_type"
        case timestepSpacing = "timestep_spacing"
        case stepsOffset = "steps_offset"
        case rescaleBetasZeroSnr = "rescale_betas_zero_snr"
        case interpolationType = "interpolation_type"
        case useExponentialSigmas = "use_exponential_sigmas"
        case useBetaSigmas = "use_beta_sigmas"
        case timestepType = "timestep_type"
        case finalSigmasType = "final_sigmas_type"
        case clipSample = "clip_sample"
        case clipSampleRange = "clip_sample_range"
        case setAlphaToOne = "set_alpha_to_one"
        case thresholding
        case solverOrder = "solver_order"
        case algorithmType = "algorithm_type"
        case solverType = "solver_type"
        case lowerOrderFinal = "lower_order_final"
        case eulerAtFinal = "euler_at_final"
        case useLuLambdas = "use_lu_lambdas"
        case useFlowSigmas = "use_flow_sigmas"
        case lambdaMinClipped = "lambda_min_clipped"
        case varianceType = "variance_type"
    }

    /// Parses `scheduler_config.json`. JSON5 is accepted because Python's `json` writes `-Infinity` (DPM-Solver's
    /// default `lambda_min_clipped`), which strict JSON rejects.
    public init(json: Data) throws {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        self = try decoder.decode(SchedulerConfig.self, from: json)
    }
}
