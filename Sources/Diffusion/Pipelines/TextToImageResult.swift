import Tensors

/// The output of one text-to-image run.
public struct TextToImageResult: Sendable {
    /// The denoised latents before VAE decoding, `[1, h, w, C]` NHWC (diffusers' `output_type="latent"`).
    public var latents: Tensor
    /// The decoded image `[1, H, W, 3]` NHWC with values in [0, 1] (diffusers' postprocess before quantising).
    public var image: Tensor
}
