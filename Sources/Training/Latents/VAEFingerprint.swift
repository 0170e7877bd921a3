import Crypto
import Diffusion
import Foundation
import Tensors

extension AutoencoderKL {
    /// A short hex digest that tells VAEs apart for the latent cache: the encoder's architecture and the values
    /// of its first and last convolutions (any fine-tune or different VAE changes them), so it costs a few
    /// kilobytes of reads, not the whole model.
    public func fingerprint(on backend: any Backend) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("\(config.blockOutChannels) \(config.latentChannels) \(scalingFactor)".utf8))
        for tensor in [encoder.convIn.weight, encoder.convOut.weight] + (quantConv.map { [$0.weight] } ?? []) {
            backend.download(tensor).withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        return hasher.finalize().prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
