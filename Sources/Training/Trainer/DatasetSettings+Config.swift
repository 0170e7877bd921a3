extension DatasetSettings {
    /// The dataset options of a training config; `seed` is the run's (resolved) seed.
    init(config: TrainingConfig, seed: UInt64) throws {
        guard let trainDataDir = config.trainDataDir else { throw TrainerError.missing("train_data_dir") }
        guard let resolution = config.resolution else { throw TrainerError.missing("resolution") }
        self.init(
            trainDataDir: trainDataDir, regDataDir: config.regDataDir,
            resolution: Resolution(width: resolution.width, height: resolution.height),
            enableBucket: config.enableBucket, minBucketReso: config.minBucketReso,
            maxBucketReso: config.maxBucketReso, bucketResoSteps: config.bucketResoSteps,
            bucketNoUpscale: config.bucketNoUpscale, randomCrop: config.randomCrop, flipAug: config.flipAug,
            captionExtension: config.captionExtension, shuffleCaption: config.shuffleCaption,
            captionSeparator: config.captionSeparator, keepTokens: config.keepTokens,
            keepTokensSeparator: config.keepTokensSeparator, captionPrefix: config.captionPrefix,
            captionSuffix: config.captionSuffix, captionDropoutRate: config.captionDropoutRate,
            captionDropoutEveryNEpochs: config.captionDropoutEveryNEpochs,
            captionTagDropoutRate: config.captionTagDropoutRate, trainBatchSize: config.trainBatchSize,
            gradientAccumulationSteps: config.gradientAccumulationSteps, maxTrainSteps: config.maxTrainSteps,
            maxTrainEpochs: config.maxTrainEpochs, seed: seed, validationSplit: config.validationSplit,
            validationSeed: config.validationSeed.map { UInt64(truncatingIfNeeded: $0) })
    }
}
