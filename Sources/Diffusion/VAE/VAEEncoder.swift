import Tensors

/// diffusers `Encoder` (`models/autoencoders/vae.py`) with `double_z`: image → mean and logvar of the latents.
/// Each level is a `DownEncoderBlock2D`: resnets, then (all but the last level) a stride-2 convolution after
/// padding bottom and right by one pixel, so an odd size rounds down.
public struct VAEEncoder: Sendable {
    public let convIn: Conv2d
    /// `down_blocks.i.resnets`.
    public let downResnets: [[ResnetBlock2D]]
    /// `down_blocks.i.downsamplers.0`, `nil` on the last level.
    public let downsamplers: [Downsample2D?]
    public let midBlock: VAEMidBlock
    public let convNormOut: GroupNorm
    public let convOut: Conv2d
    public let activation: Activation

    init(_ parameters: Parameters, config: VAEConfig) {
        let channels = config.blockOutChannels
        convIn = Conv2d(
            parameters["conv_in"], inChannels: config.inChannels, outChannels: channels[0], kernelSize: 3,
            padding: .uniform(1))
        downResnets = channels.indices.map { level in
            let block = parameters["down_blocks"][level]
            return (0..<config.layersPerBlock).map {
                ResnetBlock2D(
                    block["resnets"][$0], inChannels: $0 == 0 ? channels[max(level - 1, 0)] : channels[level],
                    outChannels: channels[level], timeEmbeddingChannels: nil, groups: config.normNumGroups,
                    eps: AutoencoderKL.eps, activation: config.activation)
            }
        }
        downsamplers = channels.indices.map { level in
            level == channels.count - 1
                ? nil
                : Downsample2D(parameters["down_blocks"][level]["downsamplers"][0], channels: channels[level], padding: 0)
        }
        midBlock = VAEMidBlock(parameters["mid_block"], config: config)
        let deepest = channels[channels.count - 1]
        convNormOut = GroupNorm(
            parameters["conv_norm_out"], groups: config.normNumGroups, channels: deepest, eps: AutoencoderKL.eps)
        convOut = Conv2d(
            parameters["conv_out"], inChannels: deepest, outChannels: 2 * config.latentChannels, kernelSize: 3,
            padding: .uniform(1))
        activation = config.activation
    }

    /// `[B, H, W, in]` → `[B, h, w, 2·latent]` (mean, then logvar, along channels).
    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = convIn(x)
        for (resnets, downsampler) in zip(downResnets, downsamplers) {
            for resnet in resnets { h = resnet(h) }
            if let downsampler { h = downsampler(h) }
        }
        h = midBlock(h)
        return convOut(convNormOut(h, activation: activation))
    }
}
