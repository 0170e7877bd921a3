import Diffusion
import Imaging
import Tensors

/// Encodes training images into latents as sd-scripts' `cache_batch_latents` does: pixels to [−1, 1]
/// (`IMAGE_TRANSFORMS`), the VAE's posterior, one sample of it. The sample's noise comes from Philox keyed by the
/// image's content hash, so a re-encoded image gets the same latents.
public struct LatentEncoder {
    public let vae: AutoencoderKL
    public let backend: any Backend

    public init(vae: AutoencoderKL, backend: any Backend) {
        self.vae = vae
        self.backend = backend
    }

    /// `image` (RGB, already resized and cropped to its bucket) → unscaled latents `[h, w, C]`.
    public func encode(_ image: Image, noiseSeed: UInt64) -> CachedLatents {
        precondition(image.channels == 3, "latents are encoded from RGB images")
        let pixels = backend.upload(image.signedUnitValues(), shape: [1, image.height, image.width, 3])
        var generator = PhiloxGenerator(seed: noiseSeed, stream: 0)
        let latents = vae.encode(pixels).sample(generator: &generator)
        return CachedLatents(values: backend.download(latents), shape: Array(latents.shape.dropFirst()))
    }
}

extension LatentCacheKey {
    /// The seed of this key's posterior sample: the first 8 bytes of the image hash, mixed with the variant.
    var noiseSeed: UInt64 {
        let prefix = UInt64(imageSHA256.prefix(16), radix: 16) ?? 0
        return prefix ^ UInt64(truncatingIfNeeded: (width &* 31 &+ height) &* 131 &+ cropLeft &* 7 &+ cropTop)
            ^ (flipped ? 0x8000_0000_0000_0000 : 0)
    }
}
