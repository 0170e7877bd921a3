import Tensors

/// diffusers `AutoencoderKL` (`models/autoencoders/autoencoder_kl.py`): the VAE that maps images in [−1, 1] to
/// latents and back, on NHWC tensors, without tiling or slicing.
public struct AutoencoderKL: Sendable {
    public let config: VAEConfig
    public let encoder: VAEEncoder
    public let decoder: VAEDecoder
    public let quantConv: Conv2d?
    public let postQuantConv: Conv2d?
    let backend: any Backend

    /// diffusers fixes every GroupNorm eps of the VAE at 1e-6.
    static let eps: Float = 1e-6

    /// Builds the VAE from `config` with its weights from `parameters` (names relative to the VAE, e.g.
    /// `encoder.down_blocks.0.resnets.0.conv1.weight`). Throws what the parameter source reports.
    public init(config: VAEConfig, parameters: Parameters) throws {
        self.config = config
        encoder = VAEEncoder(parameters["encoder"], config: config)
        decoder = VAEDecoder(parameters["decoder"], config: config)
        let latent = config.latentChannels
        quantConv =
            config.useQuantConv
            ? Conv2d(parameters["quant_conv"], inChannels: 2 * latent, outChannels: 2 * latent, kernelSize: 1) : nil
        postQuantConv =
            config.usePostQuantConv
            ? Conv2d(parameters["post_quant_conv"], inChannels: latent, outChannels: latent, kernelSize: 1) : nil
        backend = parameters.backend
        try parameters.source.finish()
    }

    /// Multiply latents by this before the UNet (after subtracting `shiftFactor`, when there is one).
    public var scalingFactor: Float { config.scalingFactor }
    /// `nil` for SD 1.x, SD 2.x and SDXL.
    public var shiftFactor: Float? { config.shiftFactor }

    /// `image [B, H, W, in]` with values in [−1, 1] → the posterior over unscaled latents
    /// `[B, ⌊H/2^(levels−1)⌋, ⌊W/2^(levels−1)⌋, latent]` (each downsampling rounds an odd size down).
    public func encode(_ image: Tensor) -> DiagonalGaussianDistribution {
        let moments = encoder(image)
        return DiagonalGaussianDistribution(quantConv.map { $0(moments) } ?? moments, on: backend)
    }

    /// Unscaled latents `[B, h, w, latent]` → image `[B, h·2^(levels−1), w·2^(levels−1), out]`, about [−1, 1].
    public func decode(_ latents: Tensor) -> Tensor {
        decoder(postQuantConv.map { $0(latents) } ?? latents)
    }
}
