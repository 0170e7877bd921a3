/// The dataset options of a training job, named after kohya sd-scripts' options (`train_data_dir`,
/// `enable_bucket`, …) so that the kohya option parser can fill them one to one; the JSON/TOML keys are kohya's.
public struct DatasetSettings: Codable, Equatable, Sendable {
    /// Folder of `N_name` concept folders with the training images.
    public var trainDataDir: String
    /// Folder of `N_name` concept folders with regularisation images, if any.
    public var regDataDir: String?
    /// Training resolution (width, height); kohya's `--resolution 512` or `512,768`.
    public var resolution: Resolution
    public var enableBucket: Bool
    public var minBucketReso: Int
    public var maxBucketReso: Int
    public var bucketResoSteps: Int
    public var bucketNoUpscale: Bool
    public var randomCrop: Bool
    public var flipAug: Bool
    /// Caption sidecar extension. With the default `.txt`, a missing `.txt` falls back to `.caption` (kohya's own
    /// default is `.caption` only, which silently drops `.txt` captions).
    public var captionExtension: String
    public var shuffleCaption: Bool
    public var captionSeparator: String
    public var keepTokens: Int
    public var keepTokensSeparator: String
    public var secondarySeparator: String?
    public var captionPrefix: String?
    public var captionSuffix: String?
    public var captionDropoutRate: Double
    public var captionDropoutEveryNEpochs: Int
    public var captionTagDropoutRate: Double
    public var trainBatchSize: Int
    public var gradientAccumulationSteps: Int
    public var maxTrainSteps: Int
    /// When set, overrides `maxTrainSteps` (as train_network.py does).
    public var maxTrainEpochs: Int?
    public var seed: UInt64
    /// Fraction of each training concept's images held out for validation (regularisation images are never split).
    public var validationSplit: Double
    /// Seed of the validation split; `seed` when nil.
    public var validationSeed: UInt64?

    /// A width × height pair of pixels.
    public struct Resolution: Codable, Hashable, Sendable, CustomStringConvertible {
        public var width: Int
        public var height: Int
        public init(width: Int, height: Int) {
            self.width = width
            self.height = height
        }
        /// A square resolution.
        public init(_ side: Int) { self.init(width: side, height: side) }
        public var description: String { "\(width)x\(height)" }
    }

    /// kohya's defaults, except `captionExtension` (see above).
    public init(
        trainDataDir: String, regDataDir: String? = nil, resolution: Resolution = Resolution(512),
        enableBucket: Bool = false, minBucketReso: Int = 256, maxBucketReso: Int = 1024, bucketResoSteps: Int = 64,
        bucketNoUpscale: Bool = false, randomCrop: Bool = false, flipAug: Bool = false,
        captionExtension: String = ".txt", shuffleCaption: Bool = false, captionSeparator: String = ",",
        keepTokens: Int = 0, keepTokensSeparator: String = "", secondarySeparator: String? = nil,
        captionPrefix: String? = nil, captionSuffix: String? = nil, captionDropoutRate: Double = 0,
        captionDropoutEveryNEpochs: Int = 0, captionTagDropoutRate: Double = 0, trainBatchSize: Int = 1,
        gradientAccumulationSteps: Int = 1, maxTrainSteps: Int = 1600, maxTrainEpochs: Int? = nil, seed: UInt64 = 0,
        validationSplit: Double = 0, validationSeed: UInt64? = nil
    ) {
        self.trainDataDir = trainDataDir
        self.regDataDir = regDataDir
        self.resolution = resolution
        self.enableBucket = enableBucket
        self.minBucketReso = minBucketReso
        self.maxBucketReso = maxBucketReso
        self.bucketResoSteps = bucketResoSteps
        self.bucketNoUpscale = bucketNoUpscale
        self.randomCrop = randomCrop
        self.flipAug = flipAug
        self.captionExtension = captionExtension
        self.shuffleCaption = shuffleCaption
        self.captionSeparator = captionSeparator
        self.keepTokens = keepTokens
        self.keepTokensSeparator = keepTokensSeparator
        self.secondarySeparator = secondarySeparator
        self.captionPrefix = captionPrefix
        self.captionSuffix = captionSuffix
        self.captionDropoutRate = captionDropoutRate
        self.captionDropoutEveryNEpochs = captionDropoutEveryNEpochs
        self.captionTagDropoutRate = captionTagDropoutRate
        self.trainBatchSize = trainBatchSize
        self.gradientAccumulationSteps = gradientAccumulationSteps
        self.maxTrainSteps = maxTrainSteps
        self.maxTrainEpochs = maxTrainEpochs
        self.seed = seed
        self.validationSplit = validationSplit
        self.validationSeed = validationSeed
    }

    enum CodingKeys: String, CodingKey {
        case trainDataDir = "train_data_dir", regDataDir = "reg_data_dir", resolution
        case enableBucket = "enable_bucket", minBucketReso = "min_bucket_reso", maxBucketReso = "max_bucket_reso"
        case bucketResoSteps = "bucket_reso_steps", bucketNoUpscale = "bucket_no_upscale"
        case randomCrop = "random_crop", flipAug = "flip_aug", captionExtension = "caption_extension"
        case shuffleCaption = "shuffle_caption", captionSeparator = "caption_separator", keepTokens = "keep_tokens"
        case keepTokensSeparator = "keep_tokens_separator", secondarySeparator = "secondary_separator"
        case captionPrefix = "caption_prefix", captionSuffix = "caption_suffix"
        case captionDropoutRate = "caption_dropout_rate", captionDropoutEveryNEpochs = "caption_dropout_every_n_epochs"
        case captionTagDropoutRate = "caption_tag_dropout_rate", trainBatchSize = "train_batch_size"
        case gradientAccumulationSteps = "gradient_accumulation_steps", maxTrainSteps = "max_train_steps"
        case maxTrainEpochs = "max_train_epochs", seed, validationSplit = "validation_split"
        case validationSeed = "validation_seed"
    }

    /// The caption extensions tried in order: the configured one (a leading dot added, as kohya does), then
    /// `.caption` when it is `.txt`.
    public var captionExtensions: [String] {
        let primary = captionExtension.isEmpty || captionExtension.hasPrefix(".") ? captionExtension : "." + captionExtension
        return primary == ".txt" ? [".txt", ".caption"] : [primary]
    }

    /// Checks every numeric option; kohya asserts on some of these and silently misbehaves on others.
    public func validate() throws(DatasetError) {
        func require(_ condition: Bool, _ field: String, _ reason: String) throws(DatasetError) {
            if !condition { throw .invalidSetting(field: field, reason: reason) }
        }
        try require(resolution.width > 0 && resolution.height > 0, "resolution", "must be positive, got \(resolution)")
        try require(trainBatchSize >= 1, "train_batch_size", "must be at least 1, got \(trainBatchSize)")
        try require(
            gradientAccumulationSteps >= 1, "gradient_accumulation_steps",
            "must be at least 1, got \(gradientAccumulationSteps)")
        try require(maxTrainSteps >= 1, "max_train_steps", "must be at least 1, got \(maxTrainSteps)")
        if let maxTrainEpochs {
            try require(maxTrainEpochs >= 1, "max_train_epochs", "must be at least 1, got \(maxTrainEpochs)")
        }
        try require(keepTokens >= 0, "keep_tokens", "must not be negative, got \(keepTokens)")
        try require(!captionSeparator.isEmpty, "caption_separator", "must not be empty")
        for (field, rate) in [
            ("caption_dropout_rate", captionDropoutRate), ("caption_tag_dropout_rate", captionTagDropoutRate),
        ] {
            try require(rate >= 0 && rate <= 1, field, "must be between 0 and 1, got \(rate)")
        }
        try require(
            captionDropoutEveryNEpochs >= 0, "caption_dropout_every_n_epochs",
            "must not be negative, got \(captionDropoutEveryNEpochs)")
        try require(
            validationSplit >= 0 && validationSplit < 1, "validation_split",
            "must be at least 0 and less than 1, got \(validationSplit)")
        guard enableBucket else { return }
        try require(bucketResoSteps >= 1, "bucket_reso_steps", "must be positive, got \(bucketResoSteps)")
        try require(minBucketReso >= 1, "min_bucket_reso", "must be positive, got \(minBucketReso)")
        let (minimum, maximum) = adjustedBucketRange
        try require(
            min(resolution.width, resolution.height) >= minimum, "min_bucket_reso",
            "must not exceed the smaller side of resolution \(resolution), got \(minimum)")
        try require(
            max(resolution.width, resolution.height) <= maximum, "max_bucket_reso",
            "must not be below the larger side of resolution \(resolution), got \(maximum)")
    }

    /// `min_bucket_reso` rounded down and `max_bucket_reso` rounded up to multiples of `bucket_reso_steps`, as
    /// kohya's `adjust_min_max_bucket_reso_by_steps` does.
    public var adjustedBucketRange: (min: Int, max: Int) {
        let steps = max(bucketResoSteps, 1)
        let minimum = minBucketReso - minBucketReso % steps
        let maximum = maxBucketReso % steps == 0 ? maxBucketReso : maxBucketReso + steps - maxBucketReso % steps
        return (minimum, maximum)
    }
}
