import Tensors

/// diffusers `UNetMidBlock2D` as the VAE builds it: resnet, optional single-head attention, resnet; no time
/// embedding, GroupNorm eps 1e-6.
public struct VAEMidBlock: Sendable {
    public let resnets: [ResnetBlock2D]
    /// `nil` when the config sets `mid_block_add_attention` to false.
    public let attention: SpatialSelfAttention?

    init(_ parameters: Parameters, config: VAEConfig) {
        let channels = config.blockOutChannels[config.blockOutChannels.count - 1]
        resnets = (0..<2).map {
            ResnetBlock2D(
                parameters["resnets"][$0], inChannels: channels, outChannels: channels, timeEmbeddingChannels: nil,
                groups: config.normNumGroups, eps: AutoencoderKL.eps, activation: config.activation)
        }
        attention =
            config.midBlockAddAttention
            ? SpatialSelfAttention(
                parameters["attentions"][0], channels: channels, groups: config.normNumGroups, eps: AutoencoderKL.eps)
            : nil
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = resnets[0](x)
        if let attention { h = attention(h) }
        return resnets[1](h)
    }
}
