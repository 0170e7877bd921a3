import Crypto
import Diffusion
import Foundation
import LoRA

extension TrainingSession {
    /// Writes the LoRA as it is now to `<output_dir>/<name>.safetensors` in the configured format and precision.
    func saveCheckpoint(named name: String, isFinal: Bool) throws {
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        let url = outputDirectory.appendingPathComponent("\(name).safetensors")
        let modules = zip(network.entries, parameters.hostWeights).map { entry, weights in
            LoRAModuleWeights(spec: entry.spec, down: weights.down, up: weights.up)
        }
        let precision = config.savePrecision.map { LoRASavePrecision(rawValue: $0.rawValue) ?? .float } ?? .float
        let data: Data
        switch config.loraFormat {
        case .kohya:
            data = try KohyaLoRAFile.serialize(modules, precision: precision, metadata: metadata())
        case .peft:
            data = try PeftLoRAFile.serialize(modules, precision: precision)
        }
        try data.write(to: url, options: .atomic)
        savedCheckpoints.append((position.step, position.epoch, url))
        events(
            .checkpoint(
                TrainingCheckpoint(
                    step: position.step, epoch: position.epoch, url: url, byteCount: data.count,
                    sha256: SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined(), isFinal: isFinal)))
    }

    func saveFinal() throws {
        try saveCheckpoint(named: outputName, isFinal: true)
        if config.saveStateOnTrainEnd { try saveState(named: "\(outputName)-state") }
    }

    /// Writes the resume state to `<output_dir>/<name>/`.
    func saveState(named name: String) throws {
        let state = ResumeState(
            step: position.step, epoch: position.epoch, batch: position.batch, seed: seed,
            randomOffset: tape.randomOffset, smoothedLoss: smoothedLoss, optimizerType: config.optimizerType,
            parameters: parameters.values, optimizer: optimizer.state())
        try state.write(to: outputDirectory.appendingPathComponent(name), parameterShapes: parameters.shapes)
        events(.stateSaved(step: position.step, folder: outputDirectory.appendingPathComponent(name)))
    }

    /// Continues from a saved state: weights, optimizer, position and randomness.
    func restore(from folder: URL) throws {
        let state = try ResumeState.read(from: folder)
        guard state.optimizerType.lowercased() == config.optimizerType.lowercased() else {
            throw ResumeError.mismatch("it was saved by \(state.optimizerType), this run uses \(config.optimizerType)")
        }
        guard state.seed == seed else {
            throw ResumeError.mismatch("it was saved with seed \(state.seed), this run has seed \(seed)")
        }
        try parameters.setValues(state.parameters)
        try optimizer.restore(state.optimizer)
        position = TrainingPosition(step: state.step, epoch: state.epoch, batch: state.batch)
        tape.setRandom(seed: seed, offset: state.randomOffset)
        smoothedLoss = state.smoothedLoss
        events(.log(.info, "resumed at step \(state.step) (epoch \(state.epoch + 1)) from \(folder.path)"))
    }

    /// `save_last_n_steps`: step checkpoints older than that many steps go.
    func pruneStepFiles() throws {
        guard let keep = config.saveLastNSteps, keep > 0 else { return }
        try prune { $0.url.lastPathComponent.contains("-step") && $0.step <= position.step - keep }
    }

    /// `save_last_n_epochs`: only the newest that many epoch checkpoints stay.
    func pruneEpochFiles() throws {
        guard let keep = config.saveLastNEpochs, keep > 0 else { return }
        let epochFiles = savedCheckpoints.filter { !$0.url.lastPathComponent.contains("-step") }
        let old = Set(epochFiles.dropLast(keep).map { $0.url })
        try prune { old.contains($0.url) }
    }

    private func prune(where shouldRemove: ((step: Int, epoch: Int, url: URL)) -> Bool) throws {
        let (removed, kept) = savedCheckpoints.partitioned(by: shouldRemove)
        for checkpoint in removed where FileManager.default.fileExists(atPath: checkpoint.url.path) {
            try FileManager.default.removeItem(at: checkpoint.url)
        }
        savedCheckpoints = kept
    }

    /// sd-scripts' `ss_*` and `modelspec.*` metadata for this run, as `train_network.py` fills it.
    func metadata() -> [String: String] {
        var facts = KohyaTrainingFacts(architecture: model.architecture)
        facts.vPrediction = step.objective.predictionType == .vPrediction
        facts.baseModelName = config.pretrainedModelNameOrPath.map { URL(fileURLWithPath: $0).lastPathComponent }
        facts.networkDim = config.networkDim
        facts.networkAlpha = config.networkAlpha
        facts.networkDropout = config.networkDropout
        facts.networkArguments = config.networkArgs.raw.map { ($0.key, $0.value) }
        facts.learningRate = config.learningRate
        facts.unetLearningRate = config.unetLR
        facts.textEncoderLearningRate = config.textEncoderLR?.first
        facts.optimizerName = optimizerClassPath
        facts.optimizerArguments = config.optimizerArgs.map(\.description).joined(separator: ",")
        facts.lrScheduler = config.lrScheduler.rawValue
        facts.lrWarmupSteps = schedule.warmupSteps
        facts.maxTrainSteps = totalSteps
        facts.maxGradNorm = config.maxGradNorm
        facts.gradientAccumulationSteps = config.gradientAccumulationSteps
        facts.gradientCheckpointing = config.gradientCheckpointing
        facts.mixedPrecision = config.mixedPrecision.rawValue
        facts.seed = Int(truncatingIfNeeded: seed)
        facts.clipSkip = config.clipSkip
        facts.maxTokenLength = config.maxTokenLength
        facts.noiseOffset = config.noiseOffset
        facts.multiresNoiseIterations = config.multiresNoiseIterations
        facts.multiresNoiseDiscount = config.multiresNoiseDiscount
        facts.ipNoiseGamma = config.ipNoiseGamma
        facts.minSNRGamma = config.minSNRGamma
        facts.priorLossWeight = config.priorLossWeight
        facts.dataset = data.kohyaFacts
        facts.trainBatchSize = config.trainBatchSize
        facts.resolution = config.resolution.map { ($0.width, $0.height) }
        facts.cacheLatents = config.cacheLatents
        facts.flipAugmentation = config.flipAug
        facts.randomCrop = config.randomCrop
        facts.shuffleCaption = config.shuffleCaption
        facts.keepTokens = config.keepTokens
        facts.captionDropoutRate = config.captionDropoutRate
        facts.captionDropoutEveryNEpochs = config.captionDropoutEveryNEpochs
        facts.captionTagDropoutRate = config.captionTagDropoutRate
        facts.validationSplit = config.validationSplit
        facts.validationSeed = config.validationSeed
        facts.validateEveryNSteps = config.validateEveryNSteps
        facts.validateEveryNEpochs = config.validateEveryNEpochs
        facts.numValidationImages = data.validationBatches.reduce(0) { $0 + $1.count }
        facts.sessionID = sessionID
        facts.trainingStartedAt = startedAt.timeIntervalSince1970
        facts.trainingFinishedAt = Date().timeIntervalSince1970
        // sd-scripts dates the file by the end of training (its `training_finished_at`).
        facts.modelSpec.timestamp = facts.trainingFinishedAt
        facts.numBatchesPerEpoch = data.batchesPerEpoch
        facts.numEpochs = totalEpochs
        facts.steps = position.step
        // sd-scripts counts the epoch in progress, 1-based.
        facts.epoch = position.batch > 0 ? position.epoch + 1 : position.epoch
        facts.outputName = config.outputName
        facts.trainingComment = config.trainingComment
        return config.noMetadata ? facts.metadata().filter { !$0.key.hasPrefix("ss_") } : facts.metadata()
    }

    /// The class sd-scripts records in `ss_optimizer` for the configured optimizer.
    private var optimizerClassPath: String {
        switch try? OptimizerType(kohyaName: config.optimizerType) {
        case .adamW8bit: "bitsandbytes.optim.adamw.AdamW8bit"
        case .lion: "lion_pytorch.lion_pytorch.Lion"
        case .prodigy: "prodigyopt.prodigy.Prodigy"
        case .sgd, .sgdNesterov: "torch.optim.sgd.SGD"
        case .adamW, nil: "torch.optim.adamw.AdamW"
        }
    }
}

extension Array {
    /// The elements that satisfy `predicate`, and the rest, each in order.
    fileprivate func partitioned(by predicate: (Element) -> Bool) -> (matching: [Element], rest: [Element]) {
        (filter(predicate), filter { !predicate($0) })
    }
}
