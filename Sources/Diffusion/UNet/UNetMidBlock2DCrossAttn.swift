import Tensors

/// diffusers `UNetMidBlock2DCrossAttn` with one layer (`models/unets/unet_2d_blocks.py`): resnet, transformer,
/// resnet at the deepest level, resnets scaled by `mid_block_scale_factor`.
public struct UNetMidBlock2DCrossAttn: Sendable {
    public let resnets: [ResnetBlock2D]
    public let attentions: [Transformer2DModel]

    init(_ parameters: Parameters, config: UNetConfig) {
        let channels = config.blockOutChannels[config.blockOutChannels.count - 1]
        resnets = (0..<2).map {
            config.resnet(
                parameters["resnets"][$0], inChannels: channels, outChannels: channels,
                outputScaleFactor: config.midBlockScaleFactor)
        }
        // diffusers builds the mid transformer without only_cross_attention.
        attentions = [
            config.transformer(
                parameters["attentions"][0], level: config.blockOutChannels.count - 1, channels: channels,
                depth: config.midTransformerLayers, onlyCrossAttention: false)
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
