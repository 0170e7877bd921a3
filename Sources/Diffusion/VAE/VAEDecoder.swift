import Tensors

/// diffusers `Decoder` (`models/autoencoders/vae.py`) with group norms: latents → image. Each level is an
/// `UpDecoderBlock2D` of `layers_per_block + 1` resnets, then (all but the last level) a 2× nearest upsample and
/// a 3×3 convolution; levels run deepest first.
public struct VAEDecoder: Sendable {
    public let convIn: Conv2d
    public let midBlock: VAEMidBlock
    /// `up_blocks.i.resnets`, deepest level first.
    public let upResnets: [[ResnetBlock2D]]
    /// `up_blocks.i.upsamplers.0`, `nil` on the last level.
    public let upsamplers: [Upsample2D?]
    public let convNormOut: GroupNorm
    public let convOut: Conv2d
    public let activation: Activation

    init(_ parameters: Parameters, config: VAEConfig) {
        let channels = Array(config.blockOutChannels.reversed())
        convIn = Conv2d(
            parameters["conv_in"], inChannels: config.latentChannels, outChannels: channels[0], kernelSize: 3,
            padding: .uniform(1))
        midBlock = VAEMidBlock(parameters["mid_block"], config: config)
        upResnets = channels.indices.map { index in
            let block = parameters["up_blocks"][index]
            return (0...config.layersPerBlock).map {
                ResnetBlock2D(
                    block["resnets"][$0], inChannels: $0 == 0 ? channels[max(index - 1, 0)] : channels[index],
                    outChannels: channels[index], timeEmbeddingChannels: nil, groups: config.normNumGroups,
                    eps: AutoencoderKL.eps, activation: config.activation)
            }
        }
        upsamplers = channels.indices.map { index in
            index == channels.count - 1
                ? nil : Upsample2D(parameters["up_blocks"][index]["upsamplers"][0], channels: channels[index])
        }
        let shallowest = channels[channels.count - 1]
        convNormOut = GroupNorm(
            parameters["conv_norm_out"], groups: config.normNumGroups, channels: shallowest, eps: AutoencoderKL.eps)
        convOut = Conv2d(
            parameters["conv_out"], inChannels: shallowest, outChannels: config.outChannels, kernelSize: 3,
            padding: .uniform(1))
        activation = config.activation
    }

    /// `[B, h, w, latent]` → `[B, h·2^(levels−1), w·2^(levels−1), out]`.
    func callAsFunction(_ z: Tensor) -> Tensor {
        var h = midBlock(convIn(z))
        for (resnets, upsampler) in zip(upResnets, upsamplers) {
            for resnet in resnets { h = resnet(h) }
            if let upsampler { h = upsampler(h) }
        }
        return convOut(convNormOut(h, activation: activation))
    }
}
