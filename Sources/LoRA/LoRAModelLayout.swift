import Diffusion

/// Every layer of a Stable Diffusion pipeline that a LoRA file can adapt (each Linear and Conv2d of the UNet and the
/// text encoders), with the facts kohya's naming needs. It is built from configs alone: no weights are read.
public struct LoRAModelLayout: Sendable {
    public let architecture: ModelArchitecture
    /// UNet layers, then each text encoder's, each in module order.
    public let layers: [AdaptableLayerDescription]
    /// diffusers → LDM UNet paths, for kohya's SDXL names.
    let ldmNames: LDMUNetNames
    private let indexByKey: [LayerKey: Int]

    private struct LayerKey: Hashable {
        let component: ModelComponent
        let path: String
    }

    /// The layers of the given layer list; `unet` supplies the LDM block numbering of kohya's SDXL names.
    public init(architecture: ModelArchitecture, unet: UNetConfig, layers: [AdaptableLayerDescription]) {
        self.architecture = architecture
        self.layers = layers
        ldmNames = LDMUNetNames(config: unet)
        var index: [LayerKey: Int] = [:]
        for (position, layer) in layers.enumerated() {
            index[LayerKey(component: layer.component, path: layer.path)] = position
        }
        indexByKey = index
    }

    /// Builds the UNet and the text encoders (in pipeline order; SDXL's second one with its projection) from their
    /// configs through a `ParameterShapeRecorder` and lists their layers from the recorded parameter shapes: a
    /// `.weight` of rank 2 is a Linear (except the embedding tables), of rank 4 a convolution.
    public init(architecture: ModelArchitecture, unet: UNetConfig, textEncoders: [CLIPTextConfig]) throws {
        let unetRecorder = ParameterShapeRecorder()
        _ = try UNet2DConditionModel(config: unet, parameters: Parameters(unetRecorder))
        var layers = Self.layers(of: .unet, shapes: unetRecorder.shapes, downsamplePadding: unet.downsamplePadding)
        for (index, config) in textEncoders.enumerated() {
            guard let component = ModelComponent.textEncoder(at: index) else {
                throw LoRAFormatError.invalidLayout(reason: "\(textEncoders.count) text encoders; at most 2 are known")
            }
            let recorder = ParameterShapeRecorder()
            _ = try CLIPTextModel(config: config, parameters: Parameters(recorder), withProjection: index == 1)
            layers += Self.layers(of: component, shapes: recorder.shapes, downsamplePadding: 0)
        }
        self.init(architecture: architecture, unet: unet, layers: layers)
    }

    /// The layers of a loaded pipeline (from its components' configs; its weights are not touched).
    public init(_ model: StableDiffusionModel) throws {
        try self.init(
            architecture: model.architecture, unet: model.unet.config, textEncoders: model.textEncoders.map(\.config))
    }

    /// The layer at `path` in `component`.
    public func layer(_ component: ModelComponent, _ path: String) -> AdaptableLayerDescription? {
        indexByKey[LayerKey(component: component, path: path)].map { layers[$0] }
    }

    /// Layers from recorded `[name: PyTorch shape]`, sorted by path with numbers compared as numbers.
    static func layers(
        of component: ModelComponent, shapes: [String: [Int]], downsamplePadding: Int
    ) -> [AdaptableLayerDescription] {
        var layers: [AdaptableLayerDescription] = []
        for (name, shape) in shapes where name.hasSuffix(".weight") {
            let path = String(name.dropLast(".weight".count))
            switch shape.count {
            case 2 where !path.contains("embeddings."):
                layers.append(
                    .init(component: component, path: path, kind: .linear(inFeatures: shape[1], outFeatures: shape[0])))
            case 4:
                // diffusers pads its UNet convolutions to keep the size, except Downsample2D (stride 2, configured
                // padding), which kohya's LoCon down projection copies.
                let isDownsampler = path.hasSuffix("downsamplers.0.conv")
                let conv = AdaptableLayerDescription.Convolution(
                    inChannels: shape[1], outChannels: shape[0], kernel: shape[2], stride: isDownsampler ? 2 : 1,
                    padding: isDownsampler ? downsamplePadding : (shape[2] - 1) / 2)
                layers.append(.init(component: component, path: path, kind: .convolution(conv)))
            default:
                continue
            }
        }
        return layers.sorted { ModulePathOrder.precedes($0.path, $1.path) }
    }
}
