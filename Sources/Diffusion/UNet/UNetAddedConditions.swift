import Tensors

/// SDXL's extra conditioning (`addition_embed_type = "text_time"`; diffusers `added_cond_kwargs`).
public struct UNetAddedConditions: Sendable {
    /// Pooled, projected text embeddings `[B, P]` (text encoder 2).
    public var textEmbeds: Tensor
    /// Per batch entry, `(original height, original width, crop top, crop left, target height, target width)`
    /// in pixels: `B·6` values, row-major. Kept on the host: they are embedded there with the timestep sinusoid.
    public var timeIds: [Float]

    public init(textEmbeds: Tensor, timeIds: [Float]) {
        self.textEmbeds = textEmbeds
        self.timeIds = timeIds
    }
}
