extension DatasetSettings {
    /// Decodes kohya-named keys; every key but `train_data_dir` may be left out and takes its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DatasetSettings(trainDataDir: try c.decode(String.self, forKey: .trainDataDir))
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        self.init(
            trainDataDir: d.trainDataDir, regDataDir: try c.decodeIfPresent(String.self, forKey: .regDataDir),
            resolution: try value(.resolution, d.resolution), enableBucket: try value(.enableBucket, d.enableBucket),
            minBucketReso: try value(.minBucketReso, d.minBucketReso),
            maxBucketReso: try value(.maxBucketReso, d.maxBucketReso),
            bucketResoSteps: try value(.bucketResoSteps, d.bucketResoSteps),
            bucketNoUpscale: try value(.bucketNoUpscale, d.bucketNoUpscale),
            randomCrop: try value(.randomCrop, d.randomCrop), flipAug: try value(.flipAug, d.flipAug),
            captionExtension: try value(.captionExtension, d.captionExtension),
            shuffleCaption: try value(.shuffleCaption, d.shuffleCaption),
            captionSeparator: try value(.captionSeparator, d.captionSeparator),
            keepTokens: try value(.keepTokens, d.keepTokens),
            keepTokensSeparator: try value(.keepTokensSeparator, d.keepTokensSeparator),
            secondarySeparator: try c.decodeIfPresent(String.self, forKey: .secondarySeparator),
            captionPrefix: try c.decodeIfPresent(String.self, forKey: .captionPrefix),
            captionSuffix: try c.decodeIfPresent(String.self, forKey: .captionSuffix),
            captionDropoutRate: try value(.captionDropoutRate, d.captionDropoutRate),
            captionDropoutEveryNEpochs: try value(.captionDropoutEveryNEpochs, d.captionDropoutEveryNEpochs),
            captionTagDropoutRate: try value(.captionTagDropoutRate, d.captionTagDropoutRate),
            trainBatchSize: try value(.trainBatchSize, d.trainBatchSize),
            gradientAccumulationSteps: try value(.gradientAccumulationSteps, d.gradientAccumulationSteps),
            maxTrainSteps: try value(.maxTrainSteps, d.maxTrainSteps),
            maxTrainEpochs: try c.decodeIfPresent(Int.self, forKey: .maxTrainEpochs),
            seed: try value(.seed, d.seed), validationSplit: try value(.validationSplit, d.validationSplit),
            validationSeed: try c.decodeIfPresent(UInt64.self, forKey: .validationSeed))
    }
}
