import Tensors

/// The VAE encoder's posterior (diffusers `models/autoencoders/vae.py`): a per-element normal with `mean` and
/// `logvar`, both NHWC `[B, h, w, latentChannels]`, `logvar` clamped to [−30, 20].
public struct DiagonalGaussianDistribution: Sendable {
    public let mean: Tensor
    public let logvar: Tensor
    let backend: any Backend

    /// Splits `parameters [B, h, w, 2·latent]` into mean (first half of the channels) and logvar.
    init(_ parameters: Tensor, on backend: any Backend) {
        let channels = parameters.shape[3] / 2
        mean = backend.slice(parameters, axis: 3, 0..<channels)
        logvar = backend.clamp(backend.slice(parameters, axis: 3, channels..<2 * channels), min: -30, max: 20)
        self.backend = backend
    }

    /// `exp(0.5 · logvar)`.
    public var std: Tensor { backend.exp(backend.scale(logvar, by: 0.5)) }

    /// `mean + std · noise` for standard normal `noise` of the mean's shape.
    public func sample(noise: Tensor) -> Tensor {
        precondition(noise.shape == mean.shape, "noise \(noise.shape) for latents \(mean.shape)")
        return backend.add(mean, backend.multiply(std, noise))
    }

    /// A sample with noise from `generator`, drawn in NCHW order as PyTorch would for the same seed.
    public func sample(generator: inout PhiloxGenerator) -> Tensor {
        sample(noise: generator.channelsLastNormal(mean.shape, on: backend))
    }
}
