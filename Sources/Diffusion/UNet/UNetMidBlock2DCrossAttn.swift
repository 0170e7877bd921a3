import Tensors

/// diffusers `UNetMidBlock2DCrossAttn` with one layer (`models/unets/unet_2d_blocks.py`): resnet, transformer,
/// resnet at the deepest level, resnets scaled by `mid_block_scale_factor`.
public struct UNetMidBlock2DCrossAttn: Sendable {
    public let resnets: [ResnetBlock2D]
    public let attentions: [Transformer2DModel]

    init(_ parameters: Parameters, config: UNetConfig) {
        let channels = config.blockOutChannels[config.blockOutChannels.count - 1]
        resnets = (0..<2).map {
            ResnetBlock2D(
                parameters["resnets"][$0], inChannels: channels, outChannels: channels,
                timeEmbeddingChannels: config.timeEmbeddingDim, groups: config.normNumGroups, eps: config.normEps,
                activation: config.activation, outputScaleFactor: config.midBlockScaleFactor)
        }
        let heads = config.attentionHeads[config.attentionHeads.count - 1]
        // diffusers builds the mid transformer without only_cross_attention.
        attentions = [
            Transformer2DModel(
                parameters["attentions"][0], channels: channels, heads: heads, headDim: channels / heads,
                depth: config.midTransformerLayers,
                contextDim: config.crossAttentionDim[config.crossAttentionDim.count - 1],
                groups: config.normNumGroups, useLinearProjection: config.useLinearProjection,
                onlyCrossAttention: false)
        ]
    }

    func callAsFunction(_ x: Tensor, timeEmbedding: Tensor, context: Tensor) -> Tensor {
        var h = resnets[0](x, timeEmbedding: timeEmbedding)
        for (attention, resnet) in zip(attentions, resnets.dropFirst()) {
            h = resnet(attention(h, context: context), timeEmbedding: timeEmbedding)
        }
        return h
    }
}
