import Tensors

/// One micro-batch as the training step consumes it.
public struct TrainingBatch: Sendable {
    /// `[B, h, w, C]` latents already multiplied by the VAE's scaling factor.
    public var latents: Tensor
    /// The captions after kohya's processing (shuffling, dropout, …).
    public var captions: [String]
    /// Per-sample loss weights: 1, or `prior_loss_weight` for regularisation images.
    public var lossWeights: [Float]
    /// SDXL's size conditioning per sample: original height and width, crop top and left, target height and
    /// width, in pixels; `nil` for SD 1.x/2.x.
    public var sizeConditions: [[Float]]?

    public init(latents: Tensor, captions: [String], lossWeights: [Float], sizeConditions: [[Float]]? = nil) {
        self.latents = latents
        self.captions = captions
        self.lossWeights = lossWeights
        self.sizeConditions = sizeConditions
    }
}
