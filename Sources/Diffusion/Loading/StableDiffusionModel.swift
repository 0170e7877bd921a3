import Foundation
import Tensors

/// A Stable Diffusion 1.x, 2.x or XL model, loaded from a diffusers folder or a single-file checkpoint: the
/// tokenizers, text encoders, UNet and VAE with their weights on a backend, and the pipeline settings that come
/// with them.
public final class StableDiffusionModel: Sendable {
    public let architecture: ModelArchitecture
    /// One per text encoder, in pipeline order.
    public let tokenizers: [CLIPTokenizer]
    /// SD 1.x/2.x: one `CLIPTextModel`; SDXL: CLIP ViT-L, then OpenCLIP bigG with its projection.
    public let textEncoders: [CLIPTextModel]
    public let unet: UNet2DConditionModel
    public let vae: AutoencoderKL
    /// The bytes of `scheduler/scheduler_config.json` (for a single file, the family's reference config).
    public let schedulerConfig: Data
    /// SDXL pipelines encode an empty negative prompt as zeros (`force_zeros_for_empty_prompt`).
    public let forceZerosForEmptyPrompt: Bool
    /// The image size the model was trained at: the UNet's `sample_size` times the VAE's scale factor.
    public let defaultImageSize: (height: Int, width: Int)

    init(_ description: PipelineDescription, weights: PipelineWeights, backend: any Backend) throws {
        architecture = description.architecture
        tokenizers = description.tokenizers
        schedulerConfig = description.schedulerConfig
        forceZerosForEmptyPrompt = description.forceZerosForEmptyPrompt
        defaultImageSize = try description.defaultImageSize()

        // Each component's source reports all of its problems from `finish()`; calling it again after a model
        // that already did is harmless.
        func built<Model>(_ component: String, _ make: (Parameters) throws -> Model) throws -> Model {
            let source = try weights.makeSource(component, backend)
            let model = try make(Parameters(source))
            try source.finish()
            return model
        }
        textEncoders = try description.textEncoders.map { encoder in
            try built(encoder.component) {
                try CLIPTextModel(config: encoder.config, parameters: $0, withProjection: encoder.withProjection)
            }
        }
        unet = try built("unet") { try UNet2DConditionModel(config: description.unet, parameters: $0) }
        vae = try built("vae") { try AutoencoderKL(config: description.vae, parameters: $0) }
    }

    /// Loads a diffusers folder (`model_index.json` with `unet/`, `vae/`, `text_encoder/`, … subfolders) or a
    /// single-file `.safetensors` checkpoint (LDM/A1111 names), whose configs are then inferred from its shapes.
    public static func load(from url: URL, backend: any Backend) throws -> StableDiffusionModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CheckpointError.missingFile(
                path: url.path, expected: "a diffusers model folder or a single-file .safetensors checkpoint")
        }
        if isDirectory.boolValue {
            let folder = try DiffusersFolder(url)
            return try StableDiffusionModel(folder.description(), weights: folder.weights(), backend: backend)
        }
        let checkpoint = try SingleFileCheckpoint(url)
        let description = try checkpoint.inferredDescription()
        return try StableDiffusionModel(description, weights: checkpoint.weights(for: description), backend: backend)
    }

    /// Loads a single-file checkpoint with the configs, tokenizers and scheduler of a diffusers folder instead of
    /// inferred ones, as diffusers' `from_single_file(path, config=folder)` does.
    public static func load(singleFile: URL, configFrom folder: URL, backend: any Backend) throws
        -> StableDiffusionModel
    {
        let checkpoint = try SingleFileCheckpoint(singleFile)
        var description = try DiffusersFolder(folder).description()
        // The file's layout decides; a folder of another family then shows up as missing and unused weights.
        description.architecture = checkpoint.architecture
        return try StableDiffusionModel(description, weights: checkpoint.weights(for: description), backend: backend)
    }
}
