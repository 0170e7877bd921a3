import Foundation
import Tensors

/// A pipeline's parts before their weights: read from a diffusers folder, or inferred from a single file.
struct PipelineDescription {
    struct TextEncoder {
        /// The diffusers component name (`text_encoder`, `text_encoder_2`).
        var component: String
        var config: CLIPTextConfig
        /// `CLIPTextModelWithProjection` (SDXL's second encoder).
        var withProjection: Bool
    }

    var architecture: ModelArchitecture
    var textEncoders: [TextEncoder]
    var tokenizers: [CLIPTokenizer]
    var unet: UNetConfig
    var vae: VAEConfig
    var schedulerConfig: Data
    var forceZerosForEmptyPrompt: Bool

    /// The UNet's `sample_size` (latent pixels) times the VAE's scale factor, as diffusers' pipelines compute
    /// their default `height` and `width`.
    func defaultImageSize() throws -> (height: Int, width: Int) {
        let scale = 1 << (vae.blockOutChannels.count - 1)
        switch unet.sampleSize {
        case .one(let size): return (size * scale, size * scale)
        case .many(let sizes) where sizes.count == 2: return (sizes[0] * scale, sizes[1] * scale)
        default:
            throw ModelConfigError.invalid(
                component: "unet", field: "sample_size",
                reason: "must be one number or [height, width]; pipelines derive the default image size from it")
        }
    }
}
