/// The UNet's layers as its config sizes them, so that the down, mid and up blocks differ only in what they wire.
extension UNetConfig {
    /// A resnet with the config's time-embedding width, groups, eps and activation.
    func resnet(
        _ parameters: Parameters, inChannels: Int, outChannels: Int, outputScaleFactor: Float = 1
    ) -> ResnetBlock2D {
        ResnetBlock2D(
            parameters, inChannels: inChannels, outChannels: outChannels, timeEmbeddingChannels: timeEmbeddingDim,
            groups: normNumGroups, eps: normEps, activation: activation, outputScaleFactor: outputScaleFactor)
    }

    /// The transformer of a cross-attention block at `level` (0 = highest resolution): heads and context width are
    /// that level's, the head width follows from the channels.
    func transformer(
        _ parameters: Parameters, level: Int, channels: Int, depth: Int, onlyCrossAttention: Bool
    ) -> Transformer2DModel {
        let heads = attentionHeads[level]
        return Transformer2DModel(
            parameters, channels: channels, heads: heads, headDim: channels / heads, depth: depth,
            contextDim: crossAttentionDim[level], groups: normNumGroups, useLinearProjection: useLinearProjection,
            onlyCrossAttention: onlyCrossAttention)
    }
}
