import Foundation
import SafeTensors
import Tensors
import TestSupport
import Testing

@testable import Diffusion

/// Loading: architecture detection and config inference against the key sets of the real SD 1.5, SD 2.1 and SDXL
/// single files, the LDM ↔ diffusers mapping against those key sets, and the tiny fixtures loaded from folders and
/// single files.
@Suite struct LoadingTests {
    let backend = CPUBackend()

    // MARK: Real key sets

    /// `Tests/Fixtures/keysets/<name>.json`: `{ldm_key: shape}` of a real full-size checkpoint.
    static func keyset(_ name: String) throws -> CheckpointShapes {
        let url = Fixtures.root.appendingPathComponent("keysets/\(name).json")
        let shapes = try JSONDecoder().decode([String: [Int]].self, from: Data(contentsOf: url))
        return CheckpointShapes(shapes: shapes, path: url.path)
    }

    static let realModels: [(keyset: String, architecture: ModelArchitecture, prediction: PredictionType)] = [
        ("sd15", .sd1, .epsilon), ("sd21", .sd2, .vPrediction), ("sdxl", .sdxl, .epsilon),
    ]

    @Test(arguments: realModels.map { ($0.keyset, $0.architecture) })
    func detectsArchitecture(keyset: String, architecture: ModelArchitecture) throws {
        #expect(try SingleFileLayout(Self.keyset(keyset)).architecture == architecture)
    }

    @Test func infersSD15Configs() throws {
        let description = try SingleFileLayout(Self.keyset("sd15")).inferredDescription(prediction: .epsilon)
        #expect(UNetSummary(description.unet) == UNetSummary(try Self.decode(RealConfigs.sd15UNet)))
        #expect(VAESummary(description.vae) == VAESummary(try Self.decode(RealConfigs.sd15VAE)))
        #expect(description.textEncoders.map(\.config) == [try Self.decode(RealConfigs.vitL)])
        #expect(description.textEncoders.map(\.withProjection) == [false])
        #expect(description.unet.attentionHeads == [8, 8, 8, 8])
        #expect(description.unet.crossAttentionDim == [768, 768, 768, 768])
        #expect(try Self.size(description) == [512, 512])
        #expect(try Self.scheduler(description)["_class_name"] as? String == "PNDMScheduler")
        #expect(!description.forceZerosForEmptyPrompt)
    }

    @Test func infersSD21Configs() throws {
        let description = try SingleFileLayout(Self.keyset("sd21")).inferredDescription(prediction: .vPrediction)
        #expect(UNetSummary(description.unet) == UNetSummary(try Self.decode(RealConfigs.sd21UNet)))
        #expect(VAESummary(description.vae) == VAESummary(try Self.decode(RealConfigs.sd21VAE)))
        let encoder = try #require(description.textEncoders.first)
        #expect(description.textEncoders.count == 1)
        #expect(encoder.config.numHiddenLayers == 23)
        #expect(encoder.config.hiddenSize == 1024 && encoder.config.numAttentionHeads == 16)
        #expect(encoder.config.intermediateSize == 4096 && encoder.config.hiddenAct == .gelu)
        #expect(description.unet.attentionHeads == [5, 10, 20, 20])
        #expect(description.unet.useLinearProjection)
        #expect(description.unet.crossAttentionDim == [1024, 1024, 1024, 1024])
        #expect(try Self.size(description) == [768, 768])
        let scheduler = try Self.scheduler(description)
        #expect(scheduler["_class_name"] as? String == "DDIMScheduler")
        #expect(scheduler["prediction_type"] as? String == "v_prediction")
    }

    @Test func infersSDXLConfigs() throws {
        let description = try SingleFileLayout(Self.keyset("sdxl")).inferredDescription(prediction: .epsilon)
        #expect(UNetSummary(description.unet) == UNetSummary(try Self.decode(RealConfigs.sdxlUNet)))
        #expect(VAESummary(description.vae) == VAESummary(try Self.decode(RealConfigs.sdxlVAE)))
        #expect(description.unet.blockOutChannels == [320, 640, 1280])
        #expect(description.unet.downTransformerLayers == [[1, 1], [2, 2], [10, 10]])
        #expect(description.unet.midTransformerLayers == 10)
        #expect(description.unet.attentionHeads == [5, 10, 20])
        #expect(description.unet.crossAttentionDim == [2048, 2048, 2048])
        #expect(description.unet.additionTimeEmbedDim == 256)
        #expect(description.unet.projectionClassEmbeddingsInputDim == 2816)
        let encoders = description.textEncoders
        #expect(encoders.map(\.config) == [try Self.decode(RealConfigs.vitL), try Self.decode(RealConfigs.bigG)])
        #expect(encoders.map(\.withProjection) == [false, true])
        #expect(encoders.map(\.config.numHiddenLayers) == [12, 32])
        #expect(encoders.map(\.config.hiddenSize) == [768, 1280])
        #expect(try Self.size(description) == [1024, 1024])
        let scheduler = try Self.scheduler(description)
        #expect(scheduler["_class_name"] as? String == "EulerDiscreteScheduler")
        #expect(scheduler["timestep_spacing"] as? String == "leading")
        #expect(description.forceZerosForEmptyPrompt)
        #expect(description.tokenizers.count == 2)
    }

    /// Every parameter that each component, built with the inferred config, asks for maps to a key of the real
    /// file with the right shape, and every key of the component's part of the file is used, but for the known
    /// leftovers listed.
    @Test(arguments: realModels.map { ($0.keyset, $0.prediction) })
    func mappingCoversKeyset(keyset: String, prediction: PredictionType) throws {
        let shapes = try Self.keyset(keyset)
        let layout = try SingleFileLayout(shapes)
        let description = try layout.inferredDescription(prediction: prediction)
        var expectedByAnyComponent = Set<String>()
        for component in Self.components(of: description) {
            let recorder = ParameterShapeRecorder(backend: backend)
            try Self.build(component, of: description, from: recorder)
            let (locate, expectedKeys) = try layout.component(component, of: description)
            var used = Set<String>()
            for (name, shape) in recorder.shapes {
                let locator = try #require(locate(name), "no LDM key for \(component) parameter \(name)")
                let stored = try #require(shapes.shapes[locator.key], "\(locator.key) (\(name)) is not in \(keyset)")
                #expect(
                    locator.parameterShape(stored: stored) == shape, "\(locator.key) \(stored) for \(name) \(shape)")
                used.insert(locator.key)
            }
            #expect(used == expectedKeys, "\(component): unused \(expectedKeys.subtracting(used).sorted())")
            expectedByAnyComponent.formUnion(expectedKeys)
        }
        let leftovers = Set(shapes.shapes.keys).subtracting(expectedByAnyComponent)
        let componentPrefixes =
            [LDMUNetNames.prefix, LDMVAENames.prefix] + layout.architecture.singleFileTextEncoders.map(\.prefix)
        let skipped = leftovers.filter { key in componentPrefixes.contains { key.hasPrefix($0) } }
        #expect(skipped == Self.knownLeftovers[keyset], "\(keyset): \(skipped.sorted())")
    }

    /// The tensors under the components' prefixes that diffusers' converters skip too: transformers'
    /// `position_ids` buffer, OpenCLIP's contrastive `logit_scale`, and SD 2's OpenCLIP projection and last layer
    /// (`SD_2_TEXT_ENCODER_KEYS_TO_IGNORE`).
    static let knownLeftovers: [String: Set<String>] = [
        "sd15": ["cond_stage_model.transformer.text_model.embeddings.position_ids"],
        "sd21": Set(sd2LastLayer.map { "cond_stage_model.model.transformer.resblocks.23.\($0)" })
            .union(["cond_stage_model.model.text_projection", "cond_stage_model.model.logit_scale"]),
        "sdxl": [
            "conditioner.embedders.0.transformer.text_model.embeddings.position_ids",
            "conditioner.embedders.1.model.logit_scale",
        ],
    ]
    static let sd2LastLayer = [
        "attn.in_proj_bias", "attn.in_proj_weight", "attn.out_proj.bias", "attn.out_proj.weight", "ln_1.bias",
        "ln_1.weight", "ln_2.bias", "ln_2.weight", "mlp.c_fc.bias", "mlp.c_fc.weight", "mlp.c_proj.bias",
        "mlp.c_proj.weight",
    ]

    // MARK: Tiny fixtures

    static let tinyModels: [(name: String, architecture: ModelArchitecture)] = [
        ("sd15-tiny", .sd1), ("sd2-tiny", .sd2), ("sdxl-tiny", .sdxl),
    ]

    @Test(arguments: tinyModels.map { ($0.name, $0.architecture) })
    func loadsFolder(name: String, architecture: ModelArchitecture) throws {
        let folder = Fixtures.model(name)
        let model = try StableDiffusionModel.load(from: folder, backend: backend)
        #expect(model.architecture == architecture)
        let encoders = architecture == .sdxl ? 2 : 1
        #expect(model.textEncoders.count == encoders && model.tokenizers.count == encoders)
        #expect(model.textEncoders.map(\.hasProjection) == (architecture == .sdxl ? [false, true] : [false]))
        let scheduler = try Data(contentsOf: folder.appendingPathComponent("scheduler/scheduler_config.json"))
        #expect(model.schedulerConfig == scheduler)
        #expect(model.forceZerosForEmptyPrompt == (architecture == .sdxl))
        let sampleSize = try #require(
            model.unet.config.sampleSize.flatMap { if case .one(let s) = $0 { s } else { nil } })
        let scale = 1 << (model.vae.config.blockOutChannels.count - 1)
        let size: [Int] = [model.defaultImageSize.height, model.defaultImageSize.width]
        #expect(size == [sampleSize * scale, sampleSize * scale])
    }

    /// The single file holds exactly the folder's weights (F16 there, F32 or F16 here), under LDM names: loaded
    /// with the folder's configs, every parameter of every component equals the folder's, bit for bit.
    @Test(arguments: tinyModels.map(\.name))
    func singleFileMatchesFolder(name: String) throws {
        let folder = try DiffusersFolder(Fixtures.model(name))
        let description = try folder.description()
        let checkpoint = try SingleFileCheckpoint(Fixtures.root.appendingPathComponent("models/\(name).safetensors"))
        let fromFolder = try Self.loadedParameters(description, folder.weights(), backend: backend)
        let fromFile = try Self.loadedParameters(description, checkpoint.weights(for: description), backend: backend)
        #expect(fromFolder.keys.sorted() == fromFile.keys.sorted())
        var compared = 0
        for (name, expected) in fromFolder {
            let actual = try #require(fromFile[name])
            #expect(actual.shape == expected.shape, "\(name)")
            let (a, b) = (backend.download(actual), backend.download(expected))
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(name) differs")
            compared += 1
        }
        #expect(compared > 0)

        // The public entry point takes the same path.
        let model = try StableDiffusionModel.load(
            singleFile: checkpoint.url, configFrom: Fixtures.model(name), backend: backend)
        #expect(model.architecture == checkpoint.architecture)
    }

    /// Loaded on its own, a single file gets the family's fixed values for what shapes cannot tell (32 groups;
    /// SD 2 and SDXL heads 64 channels wide), which the tiny UNets (8 or 16 groups, 16 channels) break: the error
    /// names the file and the rule, and the folder's configs are needed (`load(singleFile:configFrom:)`).
    @Test(arguments: [
        ("sd15-tiny", "norm_num_groups 32"), ("sd2-tiny", "64-wide heads"), ("sdxl-tiny", "64-wide heads"),
    ])
    func tinyFilesBreakFamilyRules(name: String, rule: String) throws {
        let file = Fixtures.root.appendingPathComponent("models/\(name).safetensors")
        let error = try #require(throws: CheckpointError.self) {
            try StableDiffusionModel.load(from: file, backend: backend)
        }
        guard case .unsupported(let path, let reason) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(path == file.path && reason.contains(rule), "\(reason)")
    }

    /// What a single file's UNet predicts: SD 2 is v-prediction unless `global_step` is SD 2 base's 875000
    /// (diffusers); a `v_pred` marker (ComfyUI) or `modelspec.prediction_type` metadata decides in any family.
    @Test func predictionTypeOfSingleFiles() throws {
        let folder = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        func prediction(_ model: String, adding extra: [StoredTensor] = [], metadata: [String: String] = [:]) throws
            -> PredictionType
        {
            let file = try Self.rewrite(model, into: folder, adding: extra, metadata: metadata) { $0 }
            let checkpoint = try SingleFileCheckpoint(file)
            return SingleFileScheduler.prediction(of: checkpoint.tensors, architecture: checkpoint.architecture)
        }
        let step = withUnsafeBytes(of: Int64(875_000).littleEndian) { Array($0) }
        let globalStep = StoredTensor(name: "global_step", dtype: .int64, shape: [], bytes: step)
        #expect(try prediction("sd2-tiny") == .vPrediction)
        #expect(try prediction("sd2-tiny", adding: [globalStep]) == .epsilon)
        #expect(try prediction("sd15-tiny") == .epsilon)
        #expect(try prediction("sdxl-tiny", adding: [.floats("v_pred", [])]) == .vPrediction)
        #expect(try prediction("sd2-tiny", metadata: ["modelspec.prediction_type": "epsilon"]) == .epsilon)
    }

    // MARK: Malformed inputs

    @Test func folderWithoutModelIndexIsRejected() throws {
        let folder = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = try #require(throws: CheckpointError.self) {
            try StableDiffusionModel.load(from: folder, backend: backend)
        }
        guard case .notAModel(let path, let expected) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(path == folder.path && expected.contains("model_index.json"))
    }

    @Test func safetensorsThatIsNotACheckpointIsRejected() throws {
        let folder = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("lora.safetensors")
        var writer = SafeTensorsWriter()
        try writer.add("lora_unet_down_blocks_0.lora_down.weight", shape: [2, 2], floats: [1, 2, 3, 4])
        try writer.write(to: file)
        let error = try #require(throws: CheckpointError.self) {
            try StableDiffusionModel.load(from: file, backend: backend)
        }
        guard case .notAModel(let path, let expected) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(path == file.path && expected.contains("model.diffusion_model."))
        #expect(expected.contains("lora_unet_down_blocks_0.lora_down.weight"))
    }

    @Test func fileThatIsNotSafetensorsIsRejected() throws {
        let folder = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("model.ckpt")
        try Data("PK\u{3}\u{4} a pickle, not safetensors".utf8).write(to: file)
        let error = try #require(throws: CheckpointError.self) {
            try StableDiffusionModel.load(from: file, backend: backend)
        }
        guard case .malformed(let path, _) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(path == file.path)
    }

    /// A single file lacking one weight: the error names the LDM key (and its diffusers name), once.
    @Test(arguments: [
        ("sd15-tiny", "unet", "model.diffusion_model.output_blocks.2.1.conv.weight"),
        ("sd2-tiny", "text_encoder", "cond_stage_model.model.transformer.resblocks.0.attn.in_proj_weight"),
        ("sdxl-tiny", "vae", "first_stage_model.decoder.mid.attn_1.q.weight"),
    ])
    func missingKeyIsNamed(model: String, component: String, removed: String) throws {
        let folder = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = Fixtures.root.appendingPathComponent("models/\(model).safetensors")
        #expect(try SafeTensorsFile(contentsOf: original)[removed] != nil, "the fixture should hold \(removed)")
        let file = try Self.rewrite(model, into: folder) { $0.name == removed ? nil : $0 }

        let error = try #require(throws: CheckpointError.self) {
            try StableDiffusionModel.load(singleFile: file, configFrom: Fixtures.model(model), backend: backend)
        }
        guard case .parameters(let failed, let path, let problems) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(failed == component && path == file.path)
        #expect(problems.missing.count == 1 && problems.missing.first?.hasPrefix(removed + " (") == true)
        #expect(problems.misshapen.isEmpty && problems.unused.isEmpty)
        #expect(error.description.contains(removed))
    }

    /// A tensor of the wrong shape and one that the UNet does not have are both named, with the shapes.
    @Test func misshapenAndUnusedKeysAreNamed() throws {
        let folder = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (misshapen, extra) = ("model.diffusion_model.out.2.bias", "model.diffusion_model.extra_block.weight")
        let file = try Self.rewrite("sd15-tiny", into: folder, adding: [.floats(extra, [1, 2])]) {
            $0.name == misshapen ? .floats(misshapen, [0, 1, 2, 3, 4]) : $0
        }
        let error = try #require(throws: CheckpointError.self) {
            try StableDiffusionModel.load(singleFile: file, configFrom: Fixtures.model("sd15-tiny"), backend: backend)
        }
        guard case .parameters(let component, _, let problems) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(component == "unet")
        #expect(problems.misshapen.map(\.name) == ["\(misshapen) (conv_out.bias)"])
        #expect(problems.misshapen.first?.found == [5])
        #expect(problems.unused == [extra] && problems.missing.isEmpty)
    }

    // MARK: Helpers

    static func components(of description: PipelineDescription) -> [String] {
        description.textEncoders.map(\.component) + ["unet", "vae"]
    }

    static func build(_ component: String, of description: PipelineDescription, from source: any ParameterSource)
        throws
    {
        let parameters = Parameters(source)
        switch component {
        case "unet": _ = try UNet2DConditionModel(config: description.unet, parameters: parameters)
        case "vae": _ = try AutoencoderKL(config: description.vae, parameters: parameters)
        default:
            let encoder = try #require(description.textEncoders.first { $0.component == component })
            _ = try CLIPTextModel(
                config: encoder.config, parameters: parameters, withProjection: encoder.withProjection)
        }
    }

    /// Every tensor that the components are built from, by component and parameter name.
    static func loadedParameters(
        _ description: PipelineDescription, _ weights: PipelineWeights, backend: any Backend
    ) throws -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for component in components(of: description) {
            let source = CapturingSource(try weights.makeSource(component, backend))
            try build(component, of: description, from: source)
            try source.finish()
            for (name, tensor) in source.tensors { tensors["\(component).\(name)"] = tensor }
        }
        return tensors
    }

    /// The synthesised `scheduler_config.json`, as diffusers' `from_config` reads it.
    static func scheduler(_ description: PipelineDescription) throws -> [String: Any] {
        let json = try JSONSerialization.jsonObject(with: description.schedulerConfig) as? [String: Any]
        return try #require(json, "scheduler_config.json is not a JSON object")
    }

    static func size(_ description: PipelineDescription) throws -> [Int] {
        let size = try description.defaultImageSize()
        return [size.height, size.width]
    }

    /// A tensor as a safetensors file stores it.
    struct StoredTensor {
        var name: String
        var dtype: SafeTensorsDType
        var shape: [Int]
        var bytes: [UInt8]

        /// A 1-D F32 tensor.
        static func floats(_ name: String, _ values: [Float]) -> StoredTensor {
            let bytes = values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
            return StoredTensor(name: name, dtype: .float32, shape: [values.count], bytes: bytes)
        }
    }

    /// Copies a tiny fixture's single file into `folder`, each tensor through `edit` (`nil` drops it), plus `extra`
    /// and `metadata`.
    static func rewrite(
        _ model: String, into folder: URL, adding extra: [StoredTensor] = [], metadata: [String: String] = [:],
        edit: (StoredTensor) -> StoredTensor?
    ) throws -> URL {
        let original = try SafeTensorsFile(
            contentsOf: Fixtures.root.appendingPathComponent("models/\(model).safetensors"))
        var writer = SafeTensorsWriter(metadata: original.metadata.merging(metadata) { _, new in new })
        for entry in original.entries {
            let stored = StoredTensor(
                name: entry.name, dtype: entry.dtype, shape: entry.shape,
                bytes: try original.withBytes(entry.name) { Array($0) })
            if let tensor = edit(stored) {
                try writer.add(tensor.name, dtype: tensor.dtype, shape: tensor.shape, bytes: tensor.bytes)
            }
        }
        for tensor in extra {
            try writer.add(tensor.name, dtype: tensor.dtype, shape: tensor.shape, bytes: tensor.bytes)
        }
        let file = folder.appendingPathComponent("edited.safetensors")
        try writer.write(to: file)
        return file
    }

    static func decode<Config: Decodable>(_ json: String) throws -> Config {
        try JSONDecoder().decode(Config.self, from: Data(json.utf8))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-loading-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Passes parameters through and keeps them, to compare what two sources give a model.
private final class CapturingSource: ParameterSource {
    let inner: any ParameterSource
    var tensors: [String: Tensor] = [:]

    init(_ inner: any ParameterSource) { self.inner = inner }

    var backend: any Backend { inner.backend }

    func tensor(_ name: String, shape: [Int], isConvolutionKernel: Bool) -> Tensor {
        let tensor = inner.tensor(name, shape: shape, isConvolutionKernel: isConvolutionKernel)
        tensors[name] = tensor
        return tensor
    }

    func finish() throws { try inner.finish() }
}

/// The architecture-defining fields of a `UNetConfig`, to compare configs.
private struct UNetSummary: Equatable {
    var inChannels, outChannels, timeEmbeddingDim, midTransformerLayers, normNumGroups: Int
    var downBlockTypes: [UNetConfig.DownBlockType]
    var upBlockTypes: [UNetConfig.UpBlockType]
    var blockOutChannels, layersPerBlock, crossAttentionDim, attentionHeads: [Int]
    var downTransformerLayers, upTransformerLayers: [[Int]]
    var useLinearProjection, hasMidBlock: Bool
    var additionEmbedType: UNetConfig.AdditionEmbedType?
    var additionTimeEmbedDim, projectionClassEmbeddingsInputDim, sampleSize: Int?

    init(_ c: UNetConfig) {
        (inChannels, outChannels, timeEmbeddingDim) = (c.inChannels, c.outChannels, c.timeEmbeddingDim)
        (midTransformerLayers, normNumGroups) = (c.midTransformerLayers, c.normNumGroups)
        (downBlockTypes, upBlockTypes) = (c.downBlockTypes, c.upBlockTypes)
        (blockOutChannels, layersPerBlock) = (c.blockOutChannels, c.layersPerBlock)
        (crossAttentionDim, attentionHeads) = (c.crossAttentionDim, c.attentionHeads)
        (downTransformerLayers, upTransformerLayers) = (c.downTransformerLayers, c.upTransformerLayers)
        (useLinearProjection, hasMidBlock) = (c.useLinearProjection, c.hasMidBlock)
        (additionEmbedType, additionTimeEmbedDim) = (c.additionEmbedType, c.additionTimeEmbedDim)
        projectionClassEmbeddingsInputDim = c.projectionClassEmbeddingsInputDim
        if case .one(let size) = c.sampleSize { sampleSize = size }
    }
}

/// The architecture-defining fields of a `VAEConfig`.
private struct VAESummary: Equatable {
    var inChannels, outChannels, layersPerBlock, latentChannels, normNumGroups: Int
    var blockOutChannels: [Int]
    var scalingFactor: Float
    var sampleSize: Int?

    init(_ c: VAEConfig) {
        (inChannels, outChannels, layersPerBlock) = (c.inChannels, c.outChannels, c.layersPerBlock)
        (latentChannels, normNumGroups, blockOutChannels) = (c.latentChannels, c.normNumGroups, c.blockOutChannels)
        scalingFactor = c.scalingFactor
        if case .one(let size) = c.sampleSize { sampleSize = size }
    }
}

/// The configs of the real diffusers folders (Hugging Face `stable-diffusion-v1-5/stable-diffusion-v1-5`,
/// `stabilityai/stable-diffusion-2-1`, `stabilityai/stable-diffusion-xl-base-1.0`), architecture fields only.
private enum RealConfigs {
    static let sd15UNet = """
        {"attention_head_dim": 8, "block_out_channels": [320, 640, 1280, 1280], "cross_attention_dim": 768,
         "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
         "in_channels": 4, "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 4, "sample_size": 64,
         "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]}
        """
    static let sd21UNet = """
        {"attention_head_dim": [5, 10, 20, 20], "block_out_channels": [320, 640, 1280, 1280],
         "cross_attention_dim": 1024,
         "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
         "in_channels": 4, "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 4, "sample_size": 96,
         "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
         "use_linear_projection": true}
        """
    static let sdxlUNet = """
        {"addition_embed_type": "text_time", "addition_time_embed_dim": 256, "attention_head_dim": [5, 10, 20],
         "block_out_channels": [320, 640, 1280], "cross_attention_dim": 2048,
         "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"], "in_channels": 4,
         "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 4,
         "projection_class_embeddings_input_dim": 2816, "sample_size": 128,
         "transformer_layers_per_block": [1, 2, 10],
         "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"], "use_linear_projection": true}
        """
    static func vae(sampleSize: Int, scalingFactor: String) -> String {
        """
        {"block_out_channels": [128, 256, 512, 512],
         "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
         "in_channels": 3, "latent_channels": 4, "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 3,
         "sample_size": \(sampleSize), "scaling_factor": \(scalingFactor),
         "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]}
        """
    }
    static let sd15VAE = vae(sampleSize: 512, scalingFactor: "0.18215")
    static let sd21VAE = vae(sampleSize: 768, scalingFactor: "0.18215")
    static let sdxlVAE = vae(sampleSize: 1024, scalingFactor: "0.13025")
    static let vitL = """
        {"bos_token_id": 0, "eos_token_id": 2, "hidden_act": "quick_gelu", "hidden_size": 768,
         "intermediate_size": 3072, "layer_norm_eps": 1e-05, "max_position_embeddings": 77,
         "num_attention_heads": 12, "num_hidden_layers": 12, "pad_token_id": 1, "projection_dim": 768,
         "vocab_size": 49408}
        """
    static let bigG = """
        {"bos_token_id": 0, "eos_token_id": 2, "hidden_act": "gelu", "hidden_size": 1280,
         "intermediate_size": 5120, "layer_norm_eps": 1e-05, "max_position_embeddings": 77,
         "num_attention_heads": 20, "num_hidden_layers": 32, "pad_token_id": 1, "projection_dim": 1280,
         "vocab_size": 49408}
        """
}
