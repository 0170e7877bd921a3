import Diffusion
import Foundation
import LoRA
import Tensors

extension TrainingSession {
    /// Runs from `position` to the end, or until `control` asks to stop (the state is then saved).
    /// Returns whether the run finished.
    func train(control: TrainingControl) throws -> Bool {
        try latents.fill(data.cacheVariants) { done, total in
            events(.phase(.cachingLatents(done: done, total: total)))
        }
        events(.phase(.training))
        parameters.upload(to: tape)
        if position.step == 0 && config.sampleAtFirst { try renderSamples() }

        let accumulation = config.gradientAccumulationSteps
        while position.epoch < totalEpochs && position.step < totalSteps {
            let batches = data.batches(epoch: position.epoch)
            var lossesThisStep: [Float] = []
            while position.batch < batches.count && position.step < totalSteps {
                let examples = batches[position.batch]
                let microIndex = UInt64(position.epoch * data.batchesPerEpoch + position.batch)
                let loss = try trainMicroBatch(examples, index: microIndex, gradientScale: 1 / Float(accumulation))
                lossesThisStep.append(loss)
                position.batch += 1
                // accelerate syncs gradients every `accumulation` micro-batches and at the end of the epoch.
                let isBoundary = position.batch % accumulation == 0 || position.batch == batches.count
                guard isBoundary else { continue }
                try optimizerStep(losses: lossesThisStep)
                lossesThisStep = []
                try afterStep(control: control)
                if control.isCancelRequested {
                    events(.phase(.canceled))
                    return false
                }
                if control.isStopRequested {
                    try saveState(named: "\(outputName)-state")
                    events(.phase(.stopped))
                    return false
                }
            }
            let finishedEpoch = position.batch >= batches.count
            if finishedEpoch {
                position.epoch += 1
                position.batch = 0
                try afterEpoch()
            } else {
                break
            }
        }
        try saveFinal()
        events(.phase(.finished))
        return true
    }

    /// Forward and backward of one micro-batch; returns its loss.
    func trainMicroBatch(_ examples: [TrainingExample], index: UInt64, gradientScale: Float) throws -> Float {
        let batch = try makeBatch(examples)
        let draw = noise.draw(shape: batch.latents.shape, seed: seed, index: index)
        let result = try step.train(batch, noise: draw, gradientScale: gradientScale)
        guard result.loss.value.isFinite else { throw TrainerError.nonFiniteLoss(step: position.step + 1) }
        return result.loss.value
    }

    func makeBatch(_ examples: [TrainingExample]) throws -> TrainingBatch {
        let isXL = model.architecture == .sdxl
        return TrainingBatch(
            latents: try latents.batch(examples), captions: examples.map(\.caption),
            lossWeights: examples.map { $0.isRegularization ? Float(config.priorLossWeight) : 1 },
            sizeConditions: isXL
                ? examples.map { example in
                    [
                        example.originalHeight, example.originalWidth, example.conditioningCropTop,
                        example.conditioningCropLeft,
                        example.bucketHeight, example.bucketWidth,
                    ].map(Float.init)
                } : nil)
    }

    /// Clips, steps the optimizer at the scheduled rates, uploads the new weights and reports progress.
    func optimizerStep(losses: [Float]) throws {
        let groups = parameters.collectGradients(from: tape)
        var gradientNorm: Float?
        if config.maxGradNorm > 0 {
            gradientNorm = GradientClipping.clipGradientNorm(groups, maxNorm: config.maxGradNorm)
        }
        let multiplier = schedule.multiplier(step: position.step)
        let rates = groups.map { $0.learningRate * multiplier }
        try optimizer.step(groups, learningRates: rates)
        parameters.upload(to: tape)
        position.step += 1

        let loss = losses.reduce(0, +) / Float(max(losses.count, 1))
        // sd-scripts shows the mean of the epoch so far; an exponential average follows the trend without resets.
        smoothedLoss = smoothedLoss.map { 0.95 * $0 + 0.05 * loss } ?? loss
        let now = ContinuousClock.now
        recentStepTimes.append(now)
        if recentStepTimes.count > 21 { recentStepTimes.removeFirst() }
        var stepsPerSecond = 0.0
        if let first = recentStepTimes.first, recentStepTimes.count > 1 {
            let elapsed = first.duration(to: now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            stepsPerSecond = Double(recentStepTimes.count - 1) / max(seconds, 1e-9)
        }
        let remaining = Double(totalSteps - position.step)
        events(
            .progress(
                TrainingProgress(
                    step: position.step, totalSteps: totalSteps, epoch: position.epoch + 1, totalEpochs: totalEpochs,
                    loss: loss, smoothedLoss: smoothedLoss ?? loss,
                    learningRates: Dictionary(
                        uniqueKeysWithValues: zip(groups.map(\.name), rates.map(Float.init))),
                    gradientNorm: gradientNorm, stepsPerSecond: stepsPerSecond,
                    secondsRemaining: stepsPerSecond > 0 ? remaining / stepsPerSecond : nil)))
    }

    /// Samples, checkpoints and validation that fall on the step just taken, and requests from outside.
    func afterStep(control: TrainingControl) throws {
        let step = position.step
        let sampleRequested = control.takeSampleRequest()
        if sampleRequested || Self.isMultiple(step, of: config.sampleEveryNSteps) { try renderSamples() }
        if Self.isMultiple(step, of: config.saveEveryNSteps) {
            try saveCheckpoint(named: "\(outputName)-step\(String(format: "%08d", step))", isFinal: false)
            if config.saveState { try saveState(named: "\(outputName)-step\(String(format: "%08d", step))-state") }
            try pruneStepFiles()
        } else if control.takeCheckpointRequest() {
            try saveCheckpoint(named: "\(outputName)-step\(String(format: "%08d", step))", isFinal: false)
        }
        if Self.isMultiple(step, of: config.validateEveryNSteps) { try validate() }
        if control.takeStateSaveRequest() { try saveState(named: "\(outputName)-state") }
    }

    /// Whether an `every` setting falls on `value` (unset or 0: never).
    static func isMultiple(_ value: Int, of every: Int?) -> Bool {
        guard let every, every > 0 else { return false }
        return value % every == 0
    }

    /// At the end of an epoch (not the last): epoch checkpoints, samples and validation.
    func afterEpoch() throws {
        let epoch = position.epoch
        let isLast = epoch >= totalEpochs || position.step >= totalSteps
        if Self.isMultiple(epoch, of: config.sampleEveryNEpochs) { try renderSamples() }
        if !isLast, Self.isMultiple(epoch, of: config.saveEveryNEpochs) {
            try saveCheckpoint(named: "\(outputName)-\(String(format: "%06d", epoch))", isFinal: false)
            if config.saveState { try saveState(named: "\(outputName)-\(String(format: "%06d", epoch))-state") }
            try pruneEpochFiles()
        }
        // Without a setting, sd-scripts validates at the end of every epoch (besides any step setting).
        if Self.isMultiple(epoch, of: config.validateEveryNEpochs ?? 1) { try validate() }
    }

    /// The validation loss at fixed timesteps and fixed noise (seeded by `validation_seed`), so that it moves only
    /// with the weights: the over-fitting signal.
    func validate() throws {
        let batches = Array(data.validationBatches.prefix(config.maxValidationSteps ?? .max))
        guard !batches.isEmpty else { return }
        let validationSeed = config.validationSeed.map { UInt64(truncatingIfNeeded: $0) } ?? seed
        var total: Float = 0
        var count = 0
        for (index, examples) in batches.enumerated() {
            let batch = try makeBatch(examples)
            for timestep in validationTimesteps {
                var draw = noise.draw(
                    shape: batch.latents.shape, seed: validationSeed ^ 0x7661_6C69, index: UInt64(index))
                draw.timesteps = [Int](repeating: timestep, count: examples.count)
                total += try step.loss(batch, noise: draw).value
                count += 1
            }
        }
        tape.discardRecord()
        events(.validation(step: position.step, loss: total / Float(max(count, 1))))
    }

    /// sd-scripts' validation timesteps: `linspace(0, T, 6, dtype=int)[1:-1]`, 200, 400, 600 and 800 for T = 1000.
    var validationTimesteps: [Int] {
        let count = step.objective.trainTimesteps
        return (1...4).map { Int(Double(count) * Double($0) / 5) }
    }
}
