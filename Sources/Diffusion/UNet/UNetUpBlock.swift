import Tensors

/// One level of the UNet's decoder path: diffusers `CrossAttnUpBlock2D` or `UpBlock2D`
/// (`models/unets/unet_2d_blocks.py`): each resnet takes `concat([h, skip], channels)` (the current activation
/// first, the newest skip next), an optional transformer follows, then an optional upsampler.
public struct UNetUpBlock: Sendable {
    public let resnets: [ResnetBlock2D]
    /// One per resnet for `CrossAttnUpBlock2D`, empty for `UpBlock2D`.
    public let attentions: [Transformer2DModel]
    /// `nil` on the last level.
    public let upsampler: Upsample2D?
    let backend: any Backend

    /// Up block `index` (in up-block order, deepest level first) of a UNet built from `config`.
    init(_ parameters: Parameters, config: UNetConfig, index: Int) {
        let levels = config.blockOutChannels.count
        let level = levels - 1 - index  // the matching down level
        let channels = config.blockOutChannels[level]
        // The previous up block's width, and the width of the skips coming from the level below this one.
        let previousChannels = config.blockOutChannels[min(level + 1, levels - 1)]
        let skipInChannels = config.blockOutChannels[max(level - 1, 0)]
        let layers = config.layersPerBlock[level] + 1
        resnets = (0..<layers).map { j in
            let resnetIn = j == 0 ? previousChannels : channels
            let skip = j == layers - 1 ? skipInChannels : channels
            return config.resnet(parameters["resnets"][j], inChannels: resnetIn + skip, outChannels: channels)
        }
        if config.upBlockTypes[index] == .crossAttention {
            attentions = (0..<layers).map {
                config.transformer(
                    parameters["attentions"][$0], level: level, channels: channels,
                    depth: config.upTransformerLayers[index][$0], onlyCrossAttention: config.onlyCrossAttention[level])
            }
        } else {
            attentions = []
        }
        upsampler = index == levels - 1 ? nil : Upsample2D(parameters["upsamplers"][0], channels: channels)
        backend = parameters.backend
    }

    /// Consumes one skip per resnet from the end of `skips`; `upsampleSize` overrides the upsampler's 2× size.
    func callAsFunction(
        _ x: Tensor, skips: inout [Tensor], timeEmbedding: Tensor, context: Tensor,
        upsampleSize: (height: Int, width: Int)?
    ) -> Tensor {
        var h = x
        for (j, resnet) in resnets.enumerated() {
            guard let skip = skips.popLast() else { preconditionFailure("UNet up block ran out of skip connections") }
            h = resnet(backend.concat([h, skip], axis: 3), timeEmbedding: timeEmbedding)
            if !attentions.isEmpty { h = attentions[j](h, context: context) }
        }
        return upsampler.map { $0(h, size: upsampleSize) } ?? h
    }
}
