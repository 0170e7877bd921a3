import Diffusion
import Foundation

/// What a training run knows about itself, in the terms of sd-scripts' arguments, for the metadata kohya writes into
/// each LoRA file (`train_network.py`). Defaults are sd-scripts' argument defaults; an optional left `nil` is
/// written as Python's `None`, as sd-scripts writes an option that was not given.
public struct KohyaTrainingFacts: Sendable {
    // MARK: Base model
    public var architecture: ModelArchitecture
    /// `v_parameterization`.
    public var vPrediction: Bool = false
    /// `pretrained_model_name_or_path`: a hub name as given, or a local file's name (sd-scripts keeps the basename).
    public var baseModelName: String?
    /// Hashes of the base model file when it is local (`ss_sd_model_hash`, `ss_new_sd_model_hash`).
    public var baseModelHashes: KohyaFileHashes?
    /// `vae` and its file hashes.
    public var vaeName: String?
    public var vaeHashes: KohyaFileHashes?

    // MARK: Network
    public var networkModule = "networks.lora"
    /// `network_dim`; `nil` (not given) is sd-scripts' default, which its network turns into 4.
    public var networkDim: Int?
    /// `network_alpha` as given (a float); `nil` writes sd-scripts' default, the integer `1`.
    public var networkAlpha: Double?
    public var networkDropout: Double?
    /// `network_args` as `key=value` pairs in order (`conv_dim`, `conv_alpha`, …).
    public var networkArguments: [(key: String, value: String)] = []

    // MARK: Optimisation
    public var learningRate: Double = 2e-6
    public var unetLearningRate: Double?
    public var textEncoderLearningRate: Double?
    /// The optimizer's class path (`torch.optim.adamw.AdamW`) and its arguments as sd-scripts joins them
    /// (`weight_decay=0.01,betas=(0.9, 0.999)`, empty for none).
    public var optimizerName = "torch.optim.adamw.AdamW"
    public var optimizerArguments = ""
    public var lrScheduler = "constant"
    public var lrWarmupSteps = 0
    public var maxTrainSteps = 1600
    public var maxGradNorm: Double = 1.0
    public var gradientAccumulationSteps = 1
    public var gradientCheckpointing = false
    public var mixedPrecision = "no"
    public var fullFP16 = false
    public var fp8Base = false
    public var fp8BaseUNet = false
    public var lowRAM = false
    public var seed: Int?

    // MARK: Loss and noise
    public var clipSkip: Int?
    public var maxTokenLength: Int?
    public var noiseOffset: Double?
    public var noiseOffsetRandomStrength = false
    public var adaptiveNoiseScale: Double?
    public var multiresNoiseIterations: Int?
    public var multiresNoiseDiscount: Double = 0.3
    public var ipNoiseGamma: Double?
    public var ipNoiseGammaRandomStrength = false
    public var zeroTerminalSNR = false
    public var minSNRGamma: Double?
    public var debiasedEstimation = false
    public var scaleWeightNorms: Double?
    public var priorLossWeight: Double = 1.0
    public var lossType = "l2"
    public var huberSchedule = "snr"
    public var huberScale: Double = 1.0
    public var huberC: Double = 0.1
    /// `min_timestep` / `max_timestep` (modelspec's timestep range).
    public var minTimestep: Int?
    public var maxTimestep: Int?

    // MARK: Dataset
    public var dataset = KohyaDatasetFacts()
    public var trainBatchSize = 1
    /// `resolution` as (width, height).
    public var resolution: (width: Int, height: Int)?
    public var cacheLatents = false
    public var colorAugmentation = false
    public var flipAugmentation = false
    public var randomCrop = false
    public var shuffleCaption = false
    public var keepTokens = 0
    public var captionDropoutRate: Double = 0
    public var captionDropoutEveryNEpochs = 0
    public var captionTagDropoutRate: Double = 0
    public var faceCropAugmentationRange: (Double, Double)?
    public var resizeInterpolation: String?

    // MARK: Validation
    public var validationSeed: Int?
    public var validationSplit: Double = 0
    public var maxValidationSteps: Int?
    public var validateEveryNEpochs: Int?
    public var validateEveryNSteps: Int?
    public var numValidationImages = 0

    // MARK: Run
    /// `ss_session_id`: a random integer in 0…2³² naming the run.
    public var sessionID = 0
    /// Unix times with their fractions, as Python's `time.time()`.
    public var trainingStartedAt: Double = 0
    public var trainingFinishedAt: Double = 0
    public var numBatchesPerEpoch = 0
    public var numEpochs = 0
    /// The step and epoch the file is saved at.
    public var steps = 0
    public var epoch = 0
    public var outputName: String?
    public var trainingComment: String?
    /// Where sd-scripts writes its own git commit (`ss_sd_scripts_commit_hash`): the trainer's version.
    public var trainerCommitHash = "(unknown)"

    // MARK: modelspec
    public var modelSpec = KohyaModelSpecFacts()

    public init(architecture: ModelArchitecture) {
        self.architecture = architecture
    }
}

/// The two hashes sd-scripts records for a model file (`train_util.model_hash`, `calculate_sha256`).
public struct KohyaFileHashes: Sendable, Equatable {
    /// The first 8 hex digits of the SHA-256 of the 64 KiB at offset 1 MiB (A1111's old model hash).
    public var legacy: String
    /// The SHA-256 of the whole file, in hex.
    public var sha256: String

    public init(legacy: String, sha256: String) {
        self.legacy = legacy
        self.sha256 = sha256
    }
}

/// The image folders and what sd-scripts learnt about them (DreamBooth-style `N_name` folders).
public struct KohyaDatasetFacts: Sendable {
    public struct Directory: Sendable, Equatable {
        /// The folder's name (its basename, e.g. `10_sks dog`).
        public var name: String
        public var repeats: Int
        public var imageCount: Int
        public var isRegularization: Bool

        public init(name: String, repeats: Int, imageCount: Int, isRegularization: Bool) {
            self.name = name
            self.repeats = repeats
            self.imageCount = imageCount
            self.isRegularization = isRegularization
        }
    }

    /// One bucket with images, by its index in the bucket list.
    public struct Bucket: Sendable, Equatable {
        public var index: Int
        public var width: Int
        public var height: Int
        public var count: Int

        public init(index: Int, width: Int, height: Int, count: Int) {
            self.index = index
            self.width = width
            self.height = height
            self.count = count
        }
    }

    public var directories: [Directory] = []
    /// Per training folder, each caption tag (lower-cased) and its count, in first-seen order.
    public var tagFrequency: [(directory: String, tags: [(tag: String, count: Int)])] = []
    public var enableBucket = false
    public var bucketNoUpscale = false
    public var minBucketResolution = 256
    public var maxBucketResolution = 1024
    /// The non-empty buckets (only with `enableBucket`).
    public var buckets: [Bucket] = []
    /// The mean absolute aspect-ratio error of the bucketed images (only with `enableBucket`).
    public var meanAspectRatioError: Double = 0
    /// Images times repeats, and regularisation images.
    public var numTrainImages = 0
    public var numRegularizationImages = 0

    public init() {}
}

/// The `metadata_*` options sd-scripts writes into `modelspec.*` keys, and its implementation string.
public struct KohyaModelSpecFacts: Sendable {
    /// `metadata_title`; `nil` uses the output name, or `LoRA@<timestamp>` without one.
    public var title: String?
    public var author: String?
    public var description: String?
    public var license: String?
    public var tags: String?
    public var usageHint: String?
    public var mergedFrom: String?
    public var triggerPhrase: String?
    public var preprocessor: String?
    public var isNegativeEmbedding: String?
    /// `modelspec.implementation_version` (sd-scripts writes `sd-scripts/<commit>`).
    public var implementationVersion = "lorad"
    /// The Unix time the metadata is made at; its whole seconds give `modelspec.date`.
    public var timestamp: Double = 0
    /// The zone `modelspec.date` is written in (sd-scripts uses the machine's local time, without an offset).
    public var timeZone: TimeZone = .current

    public init() {}
}
