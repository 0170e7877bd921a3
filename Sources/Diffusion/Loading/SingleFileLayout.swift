import Foundation

/// How a single-file (LDM/SGM, as A1111 and ComfyUI save them) checkpoint holds a pipeline: the family, told by
/// its keys; the configs, inferred from its shapes; and per component, where each diffusers parameter lies and
/// which tensors the component should use up. Works on names and shapes alone, so a key set can be checked
/// without its data.
struct SingleFileLayout {
    let shapes: CheckpointShapes
    let architecture: ModelArchitecture

    init(_ shapes: CheckpointShapes) throws {
        self.shapes = shapes
        architecture = try ModelArchitecture.detect(keys: shapes.shapes.keys, path: shapes.path)
    }

    /// The image size the family was trained at (diffusers' `DIFFUSERS_TO_LDM_DEFAULT_IMAGE_SIZE_MAP`; SD 2 base,
    /// the epsilon model, at 512).
    func imageSize(prediction: PredictionType) -> Int {
        switch architecture {
        case .sd1: 512
        case .sd2: prediction == .vPrediction ? 768 : 512
        case .sdxl: 1024
        }
    }

    /// Configs inferred from the shapes, the bundled CLIP tokenizers and the family's scheduler.
    func inferredDescription(prediction: PredictionType) throws -> PipelineDescription {
        let textEncoders = try architecture.singleFileTextEncoders.enumerated().map { index, names in
            let component = Self.textEncoderComponent(index)
            return PipelineDescription.TextEncoder(
                component: component,
                config: try CLIPTextConfig(
                    shapes, names: names, dropsLastLayer: architecture == .sd2, component: component),
                // SDXL's second encoder is CLIPTextModelWithProjection: its pooled output conditions the UNet.
                withProjection: architecture == .sdxl && index == 1)
        }
        let imageSize = imageSize(prediction: prediction)
        let vae = try LDMVAEConfigInference(shapes, architecture: architecture, imageSize: imageSize)
        let unet = try LDMUNetConfigInference(
            shapes, architecture: architecture, latentSize: imageSize / vae.scaleFactor,
            pooledTextWidth: textEncoders.last(where: \.withProjection)?.config.projectionDim)
        return PipelineDescription(
            architecture: architecture, textEncoders: textEncoders,
            tokenizers: try textEncoders.indices.map { try Self.bundledTokenizer(architecture, index: $0) },
            unet: try decoded(UNetConfig.self, from: unet), vae: try decoded(VAEConfig.self, from: vae),
            schedulerConfig: try SingleFileScheduler(architecture: architecture, prediction: prediction).json(),
            forceZerosForEmptyPrompt: architecture == .sdxl)
    }

    /// Where each parameter of `component` lies, and the tensors the component should use: every key under its
    /// prefix except the known leftovers that diffusers' converters also skip.
    func component(_ component: String, of description: PipelineDescription) throws
        -> (locate: (String) -> TensorLocator?, expectedKeys: Set<String>)
    {
        let keys = shapes.shapes.keys
        switch component {
        case "unet":
            let names = LDMUNetNames(config: description.unet)
            return (names.locator(for:), Set(keys.filter { $0.hasPrefix(LDMUNetNames.prefix) }))
        case "vae":
            let names = LDMVAENames(config: description.vae)
            return (names.locator(for:), Set(keys.filter { $0.hasPrefix(LDMVAENames.prefix) }))
        default:
            guard let index = description.textEncoders.firstIndex(where: { $0.component == component }),
                architecture.singleFileTextEncoders.indices.contains(index)
            else {
                throw CheckpointError.unsupported(
                    path: shapes.path, reason: "a \(architecture) checkpoint has no \(component)")
            }
            let names = architecture.singleFileTextEncoders[index]
            let encoder = description.textEncoders[index]
            let leftovers = Self.textEncoderLeftovers(
                names, withProjection: encoder.withProjection,
                droppedLayer: architecture == .sd2 ? encoder.config.numHiddenLayers : nil)
            let expected = keys.filter { $0.hasPrefix(names.prefix) && !leftovers($0.dropFirst(names.prefix.count)) }
            return (names.locator(for:), Set(expected))
        }
    }

    static func textEncoderComponent(_ index: Int) -> String {
        index == 0 ? "text_encoder" : "text_encoder_\(index + 1)"
    }

    /// Tensors of a text encoder that no diffusers parameter takes: transformers' `position_ids` buffer, CLIP's
    /// contrastive `logit_scale`, the projection of an encoder used without one, and SD 2.x's last OpenCLIP layer
    /// (diffusers' `SD_2_TEXT_ENCODER_KEYS_TO_IGNORE`).
    private static func textEncoderLeftovers(
        _ names: LDMTextEncoderNames, withProjection: Bool, droppedLayer: Int?
    ) -> (Substring) -> Bool {
        { key in
            if key.hasSuffix("position_ids") || key == "logit_scale" { return true }
            guard case .openCLIP = names else { return false }
            if key == "text_projection" { return !withProjection }
            if let droppedLayer { return key.hasPrefix("transformer.resblocks.\(droppedLayer).") }
            return false
        }
    }

    /// Single files carry no tokenizer: every SD family uses CLIP's BPE vocabulary; SDXL's second tokenizer (from
    /// OpenCLIP bigG) pads with "!" (id 0) where the first pads with the end-of-text token.
    private static func bundledTokenizer(_ architecture: ModelArchitecture, index: Int) throws -> CLIPTokenizer {
        architecture == .sdxl && index == 1 ? try CLIPTokenizer.bundled(padToken: "!") : try CLIPTokenizer.bundled()
    }

    /// A config struct as diffusers' `config.json` spells it, decoded as lorad reads a folder's. A config that
    /// lorad rejects is reported against the file, since no config file was given.
    private func decoded<Config: Decodable>(_ type: Config.Type, from inferred: some Encodable) throws -> Config {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        do {
            return try JSONDecoder().decode(Config.self, from: encoder.encode(inferred))
        } catch let error as ModelConfigError {
            throw CheckpointError.unsupported(
                path: shapes.path,
                reason: "the \(architecture) architecture that its shapes imply cannot be built (\(error)); "
                    + "give the model's diffusers configs (a config folder) instead")
        }
    }
}
