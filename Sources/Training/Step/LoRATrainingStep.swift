import Diffusion
import Tensors

/// The forward and backward pass of one micro-batch, as sd-scripts' `train_network.py` computes it: noise the
/// latents at random timesteps, predict with the text-conditioned UNet (with its adapters), take the weighted MSE
/// against the target, and back-propagate into the adapter weights that the tape tracks.
///
/// The models must have been built on `tape`, so their ops are recorded.
public struct LoRATrainingStep {
    public let unet: UNet2DConditionModel
    public let promptEncoder: PromptEncoder
    public let objective: DiffusionObjective
    /// A1111/kohya clip skip (1 = last layer; SDXL's penultimate-layer rule counts as 1).
    public let clipSkip: Int
    public let tape: GradientTape

    public init(
        unet: UNet2DConditionModel, promptEncoder: PromptEncoder, objective: DiffusionObjective, clipSkip: Int,
        tape: GradientTape
    ) {
        (self.unet, self.promptEncoder, self.objective, self.clipSkip, self.tape) =
            (unet, promptEncoder, objective, clipSkip, tape)
    }

    public struct Result {
        public let loss: MeanSquaredErrorLoss
        /// The UNet's output `[B, h, w, C]`.
        public let prediction: Tensor
    }

    /// Runs the step and adds its gradients (scaled by `gradientScale`, 1/accumulation steps) to the tape's.
    public func train(_ batch: TrainingBatch, noise: TrainingNoise.Draw, gradientScale: Float) throws -> Result {
        let (loss, prediction) = try evaluate(batch, noise: noise, gradientScale: gradientScale, record: true)
        tape.backward(from: prediction, gradient: loss.gradient)
        return Result(loss: loss, prediction: prediction)
    }

    /// The loss without gradients (validation).
    public func loss(_ batch: TrainingBatch, noise: TrainingNoise.Draw) throws -> MeanSquaredErrorLoss {
        try evaluate(batch, noise: noise, gradientScale: 1, record: false).loss
    }

    private func evaluate(
        _ batch: TrainingBatch, noise: TrainingNoise.Draw, gradientScale: Float, record: Bool
    ) throws -> (loss: MeanSquaredErrorLoss, prediction: Tensor) {
        let backend = tape.base
        let shape = batch.latents.shape
        let timesteps = noise.timesteps
        precondition(timesteps.count == shape[0], "\(timesteps.count) timesteps for a batch of \(shape[0])")
        let epsilon = backend.upload(noise.noise, shape: shape)
        let inputNoise = noise.perturbedNoise.map { backend.upload($0, shape: shape) } ?? epsilon
        let noisy = objective.noisyLatents(batch.latents, noise: inputNoise, timesteps: timesteps, on: backend)
        let target = objective.target(latents: batch.latents, noise: epsilon, timesteps: timesteps, on: backend)

        let forward = {
            let conditioning = try promptEncoder.encode(batch.captions, clipSkip: clipSkip)
            let added = try conditioning.pooled.map { pooled in
                guard let sizes = batch.sizeConditions, sizes.count == shape[0] else {
                    throw TrainingStepError.missingSizeConditioning
                }
                return UNetAddedConditions(textEmbeds: pooled, timeIds: sizes.flatMap { $0 })
            }
            return unet(
                noisy, timesteps: timesteps.map(Float.init), encoderHiddenStates: conditioning.context,
                addedConditions: added)
        }
        let prediction = try record ? tape.record(forward) : forward()
        let weights = zip(batch.lossWeights, timesteps).map { $0 * objective.lossWeight($1) }
        let loss = MeanSquaredErrorLoss(
            prediction: prediction, target: target, weights: weights, gradientScale: gradientScale, on: backend)
        return (loss, prediction)
    }
}

public enum TrainingStepError: Error, CustomStringConvertible {
    case missingSizeConditioning

    public var description: String {
        switch self {
        case .missingSizeConditioning: "an SDXL batch needs the size conditioning (time ids) of every sample"
        }
    }
}
