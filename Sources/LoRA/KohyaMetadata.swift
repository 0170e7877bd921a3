import Diffusion
import Foundation

/// The `__metadata__` sd-scripts writes into a LoRA file, key for key and formatted as it formats them: the `ss_*`
/// keys of `train_network.py` (`NetworkTrainer.train` and `save_model`, DreamBooth-style folders rather than a
/// dataset config file), each the Python `str()` of its value or a `json.dumps` string, and the `modelspec.*` keys
/// of `train_util.get_sai_model_spec` / `library/sai_model_spec.py`. The `sshs_*` hashes depend on the tensors:
/// `KohyaLoRAFile` adds them when it writes the file.
extension KohyaTrainingFacts {
    /// sd-scripts' `ss_base_model_version`: `sd_v1`, `sd_v2`, with `_v` for v-prediction (`model_util.
    /// get_model_version_str_for_sd1_sd2`), or `sdxl_base_v1-0`.
    public var baseModelVersion: String {
        switch architecture {
        case .sdxl: "sdxl_base_v1-0"
        case .sd1, .sd2: (architecture == .sd2 ? "sd_v2" : "sd_v1") + (vPrediction ? "_v" : "")
        }
    }

    /// Every `ss_*` and `modelspec.*` key.
    public func metadata() -> [String: String] {
        var values: [String: PythonValue] = [:]
        func optional(_ value: Double?) -> PythonValue { value.map { .float($0) } ?? .null }
        func optional(_ value: Int?) -> PythonValue { value.map { .int($0) } ?? .null }
        func optional(_ value: String?) -> PythonValue { value.map { .string($0) } ?? .null }

        values["ss_session_id"] = .int(sessionID)
        values["ss_training_started_at"] = .float(trainingStartedAt)
        values["ss_output_name"] = optional(outputName)
        values["ss_learning_rate"] = .float(learningRate)
        values["ss_text_encoder_lr"] = optional(textEncoderLearningRate)
        values["ss_unet_lr"] = optional(unetLearningRate)
        values["ss_num_train_images"] = .int(dataset.numTrainImages)
        values["ss_num_validation_images"] = .int(numValidationImages)
        values["ss_num_reg_images"] = .int(dataset.numRegularizationImages)
        values["ss_num_batches_per_epoch"] = .int(numBatchesPerEpoch)
        values["ss_num_epochs"] = .int(numEpochs)
        values["ss_gradient_checkpointing"] = .bool(gradientCheckpointing)
        values["ss_gradient_accumulation_steps"] = .int(gradientAccumulationSteps)
        values["ss_max_train_steps"] = .int(maxTrainSteps)
        values["ss_lr_warmup_steps"] = .int(lrWarmupSteps)
        values["ss_lr_scheduler"] = .string(lrScheduler)
        values["ss_network_module"] = .string(networkModule)
        values["ss_network_dim"] = optional(networkDim)
        values["ss_network_alpha"] = networkAlpha.map { .float($0) } ?? .int(1)
        values["ss_network_dropout"] = optional(networkDropout)
        values["ss_mixed_precision"] = .string(mixedPrecision)
        values["ss_full_fp16"] = .bool(fullFP16)
        values["ss_v2"] = .bool(architecture == .sd2)
        values["ss_base_model_version"] = .string(baseModelVersion)
        values["ss_clip_skip"] = optional(clipSkip)
        values["ss_max_token_length"] = optional(maxTokenLength)
        values["ss_cache_latents"] = .bool(cacheLatents)
        values["ss_seed"] = optional(seed)
        values["ss_lowram"] = .bool(lowRAM)
        values["ss_noise_offset"] = optional(noiseOffset)
        values["ss_multires_noise_iterations"] = optional(multiresNoiseIterations)
        values["ss_multires_noise_discount"] = .float(multiresNoiseDiscount)
        values["ss_adaptive_noise_scale"] = optional(adaptiveNoiseScale)
        values["ss_zero_terminal_snr"] = .bool(zeroTerminalSNR)
        values["ss_training_comment"] = optional(trainingComment)
        values["ss_sd_scripts_commit_hash"] = .string(trainerCommitHash)
        values["ss_optimizer"] = .string(optimizerName + (optimizerArguments.isEmpty ? "" : "(\(optimizerArguments))"))
        values["ss_max_grad_norm"] = .float(maxGradNorm)
        values["ss_caption_dropout_rate"] = .float(captionDropoutRate)
        values["ss_caption_dropout_every_n_epochs"] = .int(captionDropoutEveryNEpochs)
        values["ss_caption_tag_dropout_rate"] = .float(captionTagDropoutRate)
        values["ss_face_crop_aug_range"] =
            faceCropAugmentationRange.map { .tuple([.float($0.0), .float($0.1)]) } ?? .null
        values["ss_prior_loss_weight"] = .float(priorLossWeight)
        values["ss_min_snr_gamma"] = optional(minSNRGamma)
        values["ss_scale_weight_norms"] = optional(scaleWeightNorms)
        values["ss_ip_noise_gamma"] = optional(ipNoiseGamma)
        values["ss_debiased_estimation"] = .bool(debiasedEstimation)
        values["ss_noise_offset_random_strength"] = .bool(noiseOffsetRandomStrength)
        values["ss_ip_noise_gamma_random_strength"] = .bool(ipNoiseGammaRandomStrength)
        values["ss_loss_type"] = .string(lossType)
        values["ss_huber_schedule"] = .string(huberSchedule)
        values["ss_huber_scale"] = .float(huberScale)
        values["ss_huber_c"] = .float(huberC)
        values["ss_fp8_base"] = .bool(fp8Base)
        values["ss_fp8_base_unet"] = .bool(fp8BaseUNet)
        values["ss_validation_seed"] = optional(validationSeed)
        values["ss_validation_split"] = .float(validationSplit)
        values["ss_max_validation_steps"] = optional(maxValidationSteps)
        values["ss_validate_every_n_epochs"] = optional(validateEveryNEpochs)
        values["ss_validate_every_n_steps"] = optional(validateEveryNSteps)
        values["ss_resize_interpolation"] = optional(resizeInterpolation)

        // The single-dataset branch (folders given on the command line).
        values["ss_batch_size_per_device"] = .int(trainBatchSize)
        values["ss_total_batch_size"] = .int(trainBatchSize * gradientAccumulationSteps)
        values["ss_resolution"] = resolution.map { .tuple([.int($0.width), .int($0.height)]) } ?? .null
        values["ss_color_aug"] = .bool(colorAugmentation)
        values["ss_flip_aug"] = .bool(flipAugmentation)
        values["ss_random_crop"] = .bool(randomCrop)
        values["ss_shuffle_caption"] = .bool(shuffleCaption)
        values["ss_enable_bucket"] = .bool(dataset.enableBucket)
        values["ss_bucket_no_upscale"] = .bool(dataset.bucketNoUpscale)
        values["ss_min_bucket_reso"] = .int(dataset.minBucketResolution)
        values["ss_max_bucket_reso"] = .int(dataset.maxBucketResolution)
        values["ss_keep_tokens"] = .int(keepTokens)
        values["ss_dataset_dirs"] = .string(directoryInfo(regularization: false).json)
        values["ss_reg_dataset_dirs"] = .string(directoryInfo(regularization: true).json)
        values["ss_tag_frequency"] = .string(
            PythonValue.dict(
                dataset.tagFrequency.map { ($0.directory, .dict($0.tags.map { ($0.tag, .int($0.count)) })) }
            )
            .json)
        values["ss_bucket_info"] = .string(bucketInfo.json)

        if !networkArguments.isEmpty {
            // sd-scripts passes the network's dropout along with the parsed arguments unless one is given.
            var arguments = networkArguments.map { ($0.key, PythonValue.string($0.value)) }
            if !arguments.contains(where: { $0.0 == "dropout" }) {
                arguments.append(("dropout", optional(networkDropout)))
            }
            values["ss_network_args"] = .string(PythonValue.dict(arguments).json)
        }
        if let name = baseModelName {
            values["ss_sd_model_name"] = .string(name)
            if let hashes = baseModelHashes {
                values["ss_sd_model_hash"] = .string(hashes.legacy)
                values["ss_new_sd_model_hash"] = .string(hashes.sha256)
            }
        }
        if let name = vaeName {
            values["ss_vae_name"] = .string(name)
            if let hashes = vaeHashes {
                values["ss_vae_hash"] = .string(hashes.legacy)
                values["ss_new_vae_hash"] = .string(hashes.sha256)
            }
        }
        // save_model
        values["ss_training_finished_at"] = .float(trainingFinishedAt)
        values["ss_steps"] = .int(steps)
        values["ss_epoch"] = .int(epoch)

        var metadata = values.mapValues(\.pythonString)
        metadata.merge(modelSpecMetadata()) { _, spec in spec }
        return metadata
    }

    /// `{folder: {"n_repeats": …, "img_count": …}}` of the training or the regularisation folders; a name seen
    /// twice keeps its last entry, as a Python dict does.
    private func directoryInfo(regularization: Bool) -> PythonValue {
        var entries: [(String, PythonValue)] = []
        for directory in dataset.directories where directory.isRegularization == regularization {
            let info = PythonValue.dict([
                ("n_repeats", .int(directory.repeats)), ("img_count", .int(directory.imageCount)),
            ])
            if let index = entries.firstIndex(where: { $0.0 == directory.name }) {
                entries[index].1 = info
            } else {
                entries.append((directory.name, info))
            }
        }
        return .dict(entries)
    }

    /// `BaseDataset.bucket_info`: `None` without bucketing, else the non-empty buckets by index (JSON turns the
    /// integer keys into strings and the resolution tuples into arrays) and the mean aspect-ratio error.
    private var bucketInfo: PythonValue {
        guard dataset.enableBucket else { return .null }
        let buckets = dataset.buckets.map { bucket -> (String, PythonValue) in
            (
                String(bucket.index),
                .dict([
                    ("resolution", .tuple([.int(bucket.width), .int(bucket.height)])), ("count", .int(bucket.count)),
                ])
            )
        }
        return .dict([("buckets", .dict(buckets)), ("mean_img_ar_error", .float(dataset.meanAspectRatioError))])
    }

    /// `train_util.get_sai_model_spec(None, args, sdxl, lora=True, textual_inversion=False)`.
    func modelSpecMetadata() -> [String: String] {
        let spec = modelSpec
        var metadata: [String: String] = [:]
        let base: String
        switch architecture {
        case .sdxl: base = "stable-diffusion-xl-v1-base"
        case .sd2: base = vPrediction ? "stable-diffusion-v2-768-v" : "stable-diffusion-v2-512"
        case .sd1: base = "stable-diffusion-v1"
        }
        metadata["modelspec.architecture"] = base + "/lora"
        metadata["modelspec.implementation"] =
            architecture == .sdxl ? "https://github.com/Stability-AI/generative-models" : "diffusers"
        metadata["modelspec.title"] = spec.title ?? outputName ?? "LoRA@" + PythonValue.floatRepr(spec.timestamp)
        metadata["modelspec.sai_model_spec"] = "1.0.1"
        metadata["modelspec.date"] = Self.isoDate(spec.timestamp, in: spec.timeZone)
        let (width, height) =
            resolution.map { ($0.width, $0.height) }
            ?? (architecture == .sdxl ? (1024, 1024) : architecture == .sd2 && vPrediction ? (768, 768) : (512, 512))
        metadata["modelspec.resolution"] = "\(width)x\(height)"
        metadata["modelspec.prediction_type"] = vPrediction ? "v" : "epsilon"
        if minTimestep != nil || maxTimestep != nil {
            metadata["modelspec.timestep_range"] = "\(minTimestep ?? 0),\(maxTimestep ?? 1000)"
        }
        if let clipSkip { metadata["modelspec.encoder_layer"] = String(clipSkip) }
        metadata["modelspec.implementation_version"] = spec.implementationVersion
        let optional: [(String, String?)] = [
            ("author", spec.author), ("description", spec.description), ("license", spec.license),
            ("tags", spec.tags), ("usage_hint", spec.usageHint), ("merged_from", spec.mergedFrom),
            ("trigger_phrase", spec.triggerPhrase), ("preprocessor", spec.preprocessor),
            ("is_negative_embedding", spec.isNegativeEmbedding),
        ]
        for case (let key, let value?) in optional { metadata["modelspec." + key] = value }
        return metadata
    }

    /// `datetime.fromtimestamp(int(t)).isoformat()`: whole seconds, no offset.
    static func isoDate(_ timestamp: Double, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let date = Date(timeIntervalSince1970: timestamp.rounded(.towardZero))
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return String(format: "%04d", c.year ?? 0) + "-" + two(c.month) + "-" + two(c.day) + "T" + two(c.hour) + ":"
            + two(c.minute) + ":" + two(c.second)
    }
}
