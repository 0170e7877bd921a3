/// Checks that involve more than one option, run once every option is stored. Each rule follows an assertion or
/// warning of sd-scripts, named in its message where it has one.
enum ConfigValidation {
    static func validate(_ config: inout TrainingConfig, notices: inout [ConfigNotice], issues: inout [ConfigIssue]) {
        func issue(_ key: String, _ message: String) { issues.append(ConfigIssue(key: key, message: message)) }

        // A value rejected earlier already has its issue; "is required" would say it twice.
        func isMissing(_ key: String, _ value: Any?) -> Bool { value == nil && !issues.contains { $0.key == key } }
        if isMissing("pretrained_model_name_or_path", config.pretrainedModelNameOrPath) {
            issue("pretrained_model_name_or_path", "is required")
        }
        if isMissing("train_data_dir", config.trainDataDir) { issue("train_data_dir", "is required") }
        if isMissing("resolution", config.resolution) && !issues.contains(where: { $0.key == "max_resolution" }) {
            issue("resolution", "is required (\"size\" or \"width,height\")")
        }

        if config.enableBucket { checkBuckets(config, issue) }

        if config.cacheLatentsToDisk && !config.cacheLatents {
            config.cacheLatents = true
            notices.append(ConfigNotice(key: "cache_latents", message: "turned on because cache_latents_to_disk is on"))
        }
        if config.cacheLatents && config.randomCrop {
            issue("random_crop", "cannot be used with cache_latents (a cached latent has one fixed crop)")
        }
        if config.fullFP16 && config.fullBF16 { issue("full_bf16", "cannot be combined with full_fp16") }
        if config.fullFP16 && config.mixedPrecision != .fp16 {
            issue("full_fp16", "requires mixed_precision = \"fp16\" (it is \"\(config.mixedPrecision.rawValue)\")")
        }
        if config.fullBF16 && config.mixedPrecision != .bf16 {
            issue("full_bf16", "requires mixed_precision = \"bf16\" (it is \"\(config.mixedPrecision.rawValue)\")")
        }
        if let length = config.maxTokenLength, length > 75 {
            issue("max_token_length", "\(length) is not supported yet: lorad encodes 75 tokens per prompt")
        }
        if config.networkTrainUnetOnly && config.networkTrainTextEncoderOnly {
            issue(
                "network_train_text_encoder_only",
                "cannot be combined with network_train_unet_only (nothing would train)")
        }
        if config.v2 && config.clipSkip != nil {
            notices.append(
                ConfigNotice(
                    key: "clip_skip", message: "SD 2.x was not trained with clip skip; results may be unexpected"))
        }

        // The optimizer is built here once, so that a job is refused before it is queued, not when it starts.
        do {
            _ = try OptimizerType(kohyaName: config.optimizerType).makeOptimizer(
                arguments: config.optimizerArgs.map(\.description), learningRate: config.learningRate)
        } catch {
            issue(config.optimizerArgs.isEmpty ? "optimizer_type" : "optimizer_args", "\(error)")
        }
        // sd-scripts refuses a warmup with `constant`; GUI configs often carry one, so the trainer ignores it.
        if config.lrScheduler == .constant && config.lrWarmupSteps != .steps(0) {
            notices.append(
                ConfigNotice(
                    key: "lr_warmup_steps",
                    message: "ignored: lr_scheduler \"constant\" has no warmup (use \"constant_with_warmup\")"))
        }

        let (arguments, problems) = NetworkArguments.parse(config.networkArgs.raw, module: config.networkModule)
        config.networkArgs = arguments
        for problem in problems { issue("network_args", problem) }

        let wantsSamples = config.sampleEveryNSteps != nil || config.sampleEveryNEpochs != nil || config.sampleAtFirst
        if let source = config.samplePrompts {
            do {
                let list = try SamplePromptReader.read(source, defaultSampler: config.sampleSampler)
                config.samplePromptList = list.prompts
                notices += list.notices.map { ConfigNotice(key: "sample_prompts", message: $0) }
            } catch {
                issue("sample_prompts", error.description)
            }
        } else if wantsSamples {
            issue(
                "sample_prompts",
                "is required when sample_every_n_steps, sample_every_n_epochs or sample_at_first is set")
        }
    }

    /// sd-scripts' `adjust_min_max_bucket_reso_by_steps`: min and max are first rounded to the step (down and up),
    /// then the training resolution must lie between them.
    private static func checkBuckets(_ config: TrainingConfig, _ issue: (String, String) -> Void) {
        let step = config.bucketResoSteps
        let minimum = config.minBucketReso - config.minBucketReso % step
        let maximum =
            config.maxBucketReso % step == 0
            ? config.maxBucketReso : config.maxBucketReso + step - config.maxBucketReso % step
        if config.minBucketReso > config.maxBucketReso {
            issue("min_bucket_reso", "\(config.minBucketReso) is larger than max_bucket_reso \(config.maxBucketReso)")
            return
        }
        guard let resolution = config.resolution else { return }
        if min(resolution.width, resolution.height) < minimum {
            issue(
                "min_bucket_reso",
                "\(config.minBucketReso) must not exceed the smaller side of resolution \(resolution)")
        }
        if max(resolution.width, resolution.height) > maximum {
            issue(
                "max_bucket_reso",
                "\(config.maxBucketReso) must not be below the larger side of resolution \(resolution)")
        }
    }
}
