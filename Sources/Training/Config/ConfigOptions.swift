import Foundation

/// The sd-scripts options lorad implements, with their checks. Ranges: counts ≥ 1, learning rates ≥ 0, dropout
/// rates in [0, 1), resolutions multiples of 8 and ≥ 64.
enum ConfigOptions {
    /// sd-scripts' optimizer names (`get_optimizer`, matched case-insensitively there too), in its spelling.
    static let optimizerNames = [
        "AdamW", "AdamW8bit", "PagedAdamW", "PagedAdamW8bit", "PagedAdamW32bit", "Lion", "Lion8bit", "PagedLion8bit",
        "SGDNesterov", "SGDNesterov8bit", "DAdaptation", "DAdaptAdamPreprint", "DAdaptAdaGrad", "DAdaptAdam",
        "DAdaptAdan", "DAdaptAdanIP", "DAdaptLion", "DAdaptSGD", "Prodigy", "Adafactor", "RAdamScheduleFree",
        "AdamWScheduleFree", "SGDScheduleFree",
    ]

    /// Every option by name (built on each use: options hold key paths, which are not `Sendable`).
    static var all: [String: ConfigOption] { Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) }) }

    private static var list: [ConfigOption] {
        [
            // Model
            .path("pretrained_model_name_or_path", \.pretrainedModelNameOrPath),
            .flag("v2", \.v2),
            .flag("v_parameterization", \.vParameterization),
            // Output
            .path("output_dir", \.outputDir),
            .optionalText("output_name", \.outputName),
            .custom("save_model_as", .string, \.saveModelAs) { value, config, _ throws(ValueProblem) in
                let text = try ConfigValueReading.string(value)
                guard let format = SaveModelFormat(rawValue: text) else {
                    throw ValueProblem("\"\(text)\" is not supported: lorad saves \"safetensors\" only")
                }
                config.saveModelAs = format
            },
            .optionalChoice("save_precision", \.savePrecision),
            .optionalInteger("save_every_n_epochs", \.saveEveryNEpochs, .atLeast(1), zeroUnsets: true),
            .optionalInteger("save_every_n_steps", \.saveEveryNSteps, .atLeast(1), zeroUnsets: true),
            .optionalInteger("save_last_n_epochs", \.saveLastNEpochs, .atLeast(1), zeroUnsets: true),
            .optionalInteger("save_last_n_epochs_state", \.saveLastNEpochsState, .atLeast(1), zeroUnsets: true),
            .optionalInteger("save_last_n_steps", \.saveLastNSteps, .atLeast(1), zeroUnsets: true),
            .optionalInteger("save_last_n_steps_state", \.saveLastNStepsState, .atLeast(1), zeroUnsets: true),
            .flag("save_state", \.saveState),
            .flag("save_state_on_train_end", \.saveStateOnTrainEnd),
            .path("resume", \.resume),
            .optionalText("training_comment", \.trainingComment),
            .flag("no_metadata", \.noMetadata),
            .choice("lora_format", \.loraFormat),
            // Dataset
            .path("train_data_dir", \.trainDataDir),
            .path("reg_data_dir", \.regDataDir),
            .custom("caption_extension", .string, \.captionExtension) { value, config, _ throws(ValueProblem) in
                let text = try ConfigValueReading.string(value)
                // sd-scripts appends it to the image's stem as is, so "txt" would look for "imagetxt".
                guard text.hasPrefix("."), text.count > 1 else {
                    throw ValueProblem("\"\(text)\" must start with a dot, like \".txt\"")
                }
                config.captionExtension = text
            },
            .flag("shuffle_caption", \.shuffleCaption),
            .integer("keep_tokens", \.keepTokens, .atLeast(0)),
            .text("keep_tokens_separator", \.keepTokensSeparator),
            .text("caption_separator", \.captionSeparator),
            .optionalText("caption_prefix", \.captionPrefix),
            .optionalText("caption_suffix", \.captionSuffix),
            .number("caption_dropout_rate", \.captionDropoutRate, .rate),
            .integer("caption_dropout_every_n_epochs", \.captionDropoutEveryNEpochs, .atLeast(0)),
            .number("caption_tag_dropout_rate", \.captionTagDropoutRate, .rate),
            .flag("flip_aug", \.flipAug),
            .flag("random_crop", \.randomCrop),
            .custom("resolution", .string, \.resolution) { value, config, _ throws(ValueProblem) in
                config.resolution = try resolution(value)
            },
            .flag("enable_bucket", \.enableBucket),
            .integer("min_bucket_reso", \.minBucketReso, .atLeast(64)),
            .integer("max_bucket_reso", \.maxBucketReso, .atLeast(64)),
            .custom("bucket_reso_steps", .integer, \.bucketResoSteps) { value, config, _ throws(ValueProblem) in
                let steps = try ConfigValueReading.integer(value, .atLeast(8))
                guard steps % 8 == 0 else { throw ValueProblem("\(steps) must be a multiple of 8") }
                config.bucketResoSteps = steps
            },
            .flag("bucket_no_upscale", \.bucketNoUpscale),
            .flag("cache_latents", \.cacheLatents),
            .flag("cache_latents_to_disk", \.cacheLatentsToDisk),
            // Steps and precision
            .integer("train_batch_size", \.trainBatchSize, .atLeast(1)),
            .custom("max_train_steps", .integer, \.maxTrainSteps) { value, config, _ throws(ValueProblem) in
                // The GUI writes 0 for "derive from the epochs"; sd-scripts' default stands then.
                let steps = try ConfigValueReading.integer(value, .atLeast(0))
                config.maxTrainSteps = steps == 0 ? TrainingConfig().maxTrainSteps : steps
            },
            .optionalInteger("max_train_epochs", \.maxTrainEpochs, .atLeast(1), zeroUnsets: true),
            .integer("gradient_accumulation_steps", \.gradientAccumulationSteps, .atLeast(1)),
            .flag("gradient_checkpointing", \.gradientCheckpointing),
            .choice("mixed_precision", \.mixedPrecision),
            .flag("full_fp16", \.fullFP16),
            .flag("full_bf16", \.fullBF16),
            .optionalInteger("seed", \.seed, .atLeast(0)),
            .optionalInteger("clip_skip", \.clipSkip, .atLeast(1), zeroUnsets: true),
            .custom("max_token_length", .integer, \.maxTokenLength) { value, config, _ throws(ValueProblem) in
                let length = try ConfigValueReading.integer(value, .atLeast(1))
                guard [75, 150, 225].contains(length) else {
                    throw ValueProblem("\(length) is not one of 75, 150, 225")
                }
                config.maxTokenLength = length == 75 ? nil : length
            },
            .custom("device", .string, \.device) { value, config, _ throws(ValueProblem) in
                let text = try ConfigValueReading.string(value)
                guard let device = DeviceSelection(parsing: text) else {
                    throw ValueProblem("\"\(text)\" is not one of \"auto\", \"cpu\", \"cuda\", \"cuda:N\"")
                }
                config.device = device
            },
            // Optimizer and schedule
            .number("learning_rate", \.learningRate, .atLeast(0)),
            .optionalNumber("unet_lr", \.unetLR, .atLeast(0)),
            .custom("text_encoder_lr", .numberList, \.textEncoderLR) { value, config, _ throws(ValueProblem) in
                let rates = try ConfigValueReading.numberList(value, .atLeast(0))
                guard rates.count <= 2 else {
                    throw ValueProblem(
                        "\(value) has \(rates.count) rates; give one, or two (one per SDXL text encoder)")
                }
                config.textEncoderLR = rates.isEmpty ? nil : rates
            },
            .choice("lr_scheduler", \.lrScheduler),
            .custom("lr_warmup_steps", .number, \.lrWarmupSteps) { value, config, _ throws(ValueProblem) in
                config.lrWarmupSteps = try warmup(value)
            },
            .integer("lr_scheduler_num_cycles", \.lrSchedulerNumCycles, .atLeast(1)),
            .number("lr_scheduler_power", \.lrSchedulerPower, .above(0)),
            .custom("optimizer_type", .string, \.optimizerType) { value, config, _ throws(ValueProblem) in
                config.optimizerType = try optimizer(value)
            },
            .custom("optimizer_args", .stringList, \.optimizerArgs) { value, config, _ throws(ValueProblem) in
                config.optimizerArgs = try ConfigValueReading.keyValueList(value)
            },
            .number("max_grad_norm", \.maxGradNorm, .atLeast(0)),
            // Network
            .custom("network_module", .string, \.networkModule) { value, config, _ throws(ValueProblem) in
                let text = try ConfigValueReading.string(value)
                guard let module = NetworkModule(rawValue: text) else {
                    throw ValueProblem(
                        "\"\(text)\" is not supported; lorad trains \"networks.lora\" (LoRA, LoCon with conv_dim) and "
                            + "\"lycoris.kohya\" with algo=locon")
                }
                config.networkModule = module
            },
            .integer("network_dim", \.networkDim, .atLeast(1)),
            .number("network_alpha", \.networkAlpha, .above(0)),
            .optionalNumber("network_dropout", \.networkDropout, .rate, zeroUnsets: true),
            // Parsed once network_module is known (see ConfigValidation).
            .custom("network_args", .stringList, \.networkArgs) { value, config, _ throws(ValueProblem) in
                config.networkArgs = NetworkArguments(raw: try ConfigValueReading.keyValueList(value))
            },
            .path("network_weights", \.networkWeights),
            .flag("network_train_unet_only", \.networkTrainUnetOnly),
            .flag("network_train_text_encoder_only", \.networkTrainTextEncoderOnly),
            // Noise and loss
            .optionalNumber("noise_offset", \.noiseOffset, .unitInterval, zeroUnsets: true),
            .optionalInteger("multires_noise_iterations", \.multiresNoiseIterations, .atLeast(1), zeroUnsets: true),
            .number("multires_noise_discount", \.multiresNoiseDiscount, .unitInterval),
            .optionalNumber("min_snr_gamma", \.minSNRGamma, .above(0), zeroUnsets: true),
            .optionalNumber("ip_noise_gamma", \.ipNoiseGamma, .above(0), zeroUnsets: true),
            .number("prior_loss_weight", \.priorLossWeight, .atLeast(0)),
            // Validation
            .number("validation_split", \.validationSplit, .rate),
            .optionalInteger("validation_seed", \.validationSeed, .atLeast(0)),
            .optionalInteger("validate_every_n_steps", \.validateEveryNSteps, .atLeast(1), zeroUnsets: true),
            .optionalInteger("validate_every_n_epochs", \.validateEveryNEpochs, .atLeast(1), zeroUnsets: true),
            .optionalInteger("max_validation_steps", \.maxValidationSteps, .atLeast(1), zeroUnsets: true),
            // Previews
            .optionalInteger("sample_every_n_steps", \.sampleEveryNSteps, .atLeast(1), zeroUnsets: true),
            .optionalInteger("sample_every_n_epochs", \.sampleEveryNEpochs, .atLeast(1), zeroUnsets: true),
            .flag("sample_at_first", \.sampleAtFirst),
            .custom("sample_prompts", .string, \.samplePrompts) { value, config, origin throws(ValueProblem) in
                switch value {
                case .array:
                    config.samplePrompts = .lines(try ConfigValueReading.stringList(value))
                case .string(let text) where origin.isGUIConfig:
                    config.samplePrompts = .text(text)
                default:
                    config.samplePrompts = .file(try ConfigValueReading.path(value, base: origin.baseDirectory))
                }
            },
            .custom("sample_sampler", .string, \.sampleSampler) { value, config, _ throws(ValueProblem) in
                switch KohyaSamplerName.resolve(try ConfigValueReading.string(value)) {
                case .success(let sampler): config.sampleSampler = sampler
                case .failure(let error): throw ValueProblem(error.description)
                }
            },
        ]
    }

    /// `"512"`, `"768,512"`, `512` or `[768, 512]`: width then height, each a multiple of 8 and ≥ 64.
    static func resolution(_ value: ConfigValue) throws(ValueProblem) -> Resolution {
        let parsed: Resolution?
        switch value {
        case .string(let text): parsed = Resolution(parsing: text)
        case .array(let items) where (1...2).contains(items.count) && items.allSatisfy({ $0.integer != nil }):
            parsed = Resolution(width: items[0].integer!, height: items.last!.integer!)
        default: parsed = value.integer.map { Resolution(width: $0, height: $0) }
        }
        guard let parsed else { throw ValueProblem("expected \"size\" or \"width,height\", got \(value)") }
        for side in [parsed.width, parsed.height] where side < 64 || side % 8 != 0 {
            throw ValueProblem("\(side) in \(value) must be a multiple of 8 and ≥ 64")
        }
        return parsed
    }

    /// sd-scripts' `int_or_float`: an integer number of steps, a fraction below 1 of the total, or `"N%"`.
    static func warmup(_ value: ConfigValue) throws(ValueProblem) -> LearningRateSchedule.StepCount {
        if case .string(let text) = value, text.hasSuffix("%") {
            let percent = try ConfigValueReading.number(
                .string(String(text.dropLast())),
                .init(
                    lower: 0, lowerInclusive: true, upper: 100, upperInclusive: true))
            return .fraction(percent / 100)
        }
        if let steps = value.integer ?? (try? ConfigValueReading.integer(value, .atLeast(0))) {
            guard steps >= 0 else { throw ValueProblem("\(steps) is out of range: expected steps ≥ 0") }
            return .steps(steps)
        }
        let number = try ConfigValueReading.number(value, .atLeast(0))
        guard number < 1 else {
            throw ValueProblem("\(number) is neither a whole number of steps nor a fraction in [0, 1) of the total")
        }
        return .fraction(number)
    }

    static func optimizer(_ value: ConfigValue) throws(ValueProblem) -> String {
        let text = try ConfigValueReading.string(value)
        if text.isEmpty { return "AdamW" }
        guard let name = optimizerNames.first(where: { $0.lowercased() == text.lowercased() }) else {
            throw ValueProblem(
                "\"\(text)\" is not an sd-scripts optimizer lorad knows (Python class paths cannot be loaded); "
                    + "known: " + optimizerNames.joined(separator: ", "))
        }
        return name
    }
}
