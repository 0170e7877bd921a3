import Tensors

/// One level of the UNet's encoder path: diffusers `CrossAttnDownBlock2D` (a transformer after each resnet) or
/// `DownBlock2D` (no transformers), then an optional stride-2 downsampler (`models/unets/unet_2d_blocks.py`).
public struct UNetDownBlock: Sendable {
    public let resnets: [ResnetBlock2D]
    /// One per resnet for `CrossAttnDownBlock2D`, empty for `DownBlock2D`.
    public let attentions: [Transformer2DModel]
    /// `nil` on the last level.
    public let downsampler: Downsample2D?

    /// Down block `index` of a UNet built from `config`.
    init(_ parameters: Parameters, config: UNetConfig, index: Int) {
        let channels = config.blockOutChannels[index]
        let inChannels = config.blockOutChannels[max(index - 1, 0)]
        let layers = config.layersPerBlock[index]
        resnets = (0..<layers).map {
            config.resnet(parameters["resnets"][$0], inChannels: $0 == 0 ? inChannels : channels, outChannels: channels)
        }
        if config.downBlockTypes[index] == .crossAttention {
            attentions = (0..<layers).map {
                config.transformer(
                    parameters["attentions"][$0], level: index, channels: channels,
                    depth: config.downTransformerLayers[index][$0], onlyCrossAttention: config.onlyCrossAttention[index])
            }
        } else {
            attentions = []
        }
        downsampler =
            index == config.blockOutChannels.count - 1
            ? nil
            : Downsample2D(parameters["downsamplers"][0], channels: channels, padding: config.downsamplePadding)
    }

    /// `x [B, H, W, in]` → the output and the skip connections it adds (each resnet's output, then the
    /// downsampler's).
    func callAsFunction(_ x: Tensor, timeEmbedding: Tensor, context: Tensor) -> (Tensor, skips: [Tensor]) {
        var h = x
        var skips: [Tensor] = []
        for (j, resnet) in resnets.enumerated() {
            h = resnet(h, timeEmbedding: timeEmbedding)
            if !attentions.isEmpty { h = attentions[j](h, context: context) }
            skips.append(h)
        }
        if let downsampler {
            h = downsampler(h)
            skips.append(h)
        }
        return (h, skips)
    }
}
