/// A diffusers `unet/config.json` inferred from the tensor shapes of a single-file checkpoint, in the manner of
/// ComfyUI's `detect_unet_config` (`comfy/model_detection.py`): channels from the convolutions, levels from the
/// downsamplers, attentions and their depths from the transformer blocks present, the context width from
/// `attn2.to_k`. Head counts are not visible in shapes and follow the family (ComfyUI `supported_models.py`):
/// SD 1.x has 8 heads per level, SD 2.x and SDXL heads 64 channels wide.
struct LDMUNetConfigInference: Encodable, Sendable {
    var sampleSize: Int
    var inChannels: Int
    var outChannels: Int
    var downBlockTypes: [String]
    var upBlockTypes: [String]
    var blockOutChannels: [Int]
    var layersPerBlock: [Int]
    var transformerLayersPerBlock: [Int]
    /// The head count per level (diffusers' legacy name).
    var attentionHeadDim: [Int]
    var crossAttentionDim: Int
    var useLinearProjection: Bool
    var timeEmbeddingDim: Int
    var additionEmbedType: String?
    var additionTimeEmbedDim: Int?
    var projectionClassEmbeddingsInputDim: Int?

    static let component = "unet"
    /// SD 2.x and SDXL (ComfyUI: `num_head_channels: 64`).
    static let headWidth = 64
    /// SD 1.x (ComfyUI: `num_heads: 8`).
    static let sd1Heads = 8

    /// - Parameters:
    ///   - latentSize: `sample_size`, the family's image size over the VAE's scale factor.
    ///   - pooledTextWidth: the width of the pooled text embedding that SDXL's `add_embedding` takes.
    init(_ shapes: CheckpointShapes, architecture: ModelArchitecture, latentSize: Int, pooledTextWidth: Int?) throws {
        let p = LDMUNetNames.prefix
        func dimension(_ key: String, _ axis: Int) throws -> Int {
            try shapes.dimension(p + key, axis, component: Self.component)
        }
        func unsupported(_ reason: String) -> CheckpointError { .unsupported(path: shapes.path, reason: reason) }

        inChannels = try dimension("input_blocks.0.0.weight", 1)
        outChannels = try dimension("out.2.weight", 0)
        timeEmbeddingDim = try dimension("time_embed.0.weight", 0)

        // Down levels: input_blocks after conv_in are resnets (each maybe with an attention), and a downsampler
        // (`.0.op`) closes every level but the last.
        struct Level {
            var channels = 0
            var depths: [Int] = []
        }
        var levels: [Level] = []
        var level = Level()
        var context: (width: Int, linear: Bool)?
        var block = 1
        while shapes.containsAny(withPrefix: "\(p)input_blocks.\(block).") {
            let name = "input_blocks.\(block)"
            if shapes.contains("\(p)\(name).0.op.weight") {
                levels.append(level)
                level = Level()
            } else {
                level.channels = try dimension("\(name).0.out_layers.3.weight", 0)
                let depth = shapes.countNumbered("\(p)\(name).1.transformer_blocks.")
                level.depths.append(depth)
                if depth > 0, context == nil {
                    context = (
                        try dimension("\(name).1.transformer_blocks.0.attn2.to_k.weight", 1),
                        shapes.rank("\(p)\(name).1.proj_in.weight") == 2
                    )
                }
            }
            block += 1
        }
        levels.append(level)
        guard levels.allSatisfy({ !$0.depths.isEmpty }) else {
            throw unsupported("a UNet level without resnets (model.diffusion_model.input_blocks)")
        }
        guard let context else { throw unsupported("a UNet without cross-attention (no transformer_blocks)") }

        let middleDepth = shapes.countNumbered("\(p)middle_block.1.transformer_blocks.")
        guard middleDepth > 0 else { throw unsupported("a UNet mid block without attention (middle_block.1)") }

        blockOutChannels = levels.map(\.channels)
        layersPerBlock = levels.map(\.depths.count)
        downBlockTypes = try levels.enumerated().map { index, level in
            if level.depths.allSatisfy({ $0 > 0 }) { return "CrossAttnDownBlock2D" }
            if level.depths.allSatisfy({ $0 == 0 }) { return "DownBlock2D" }
            throw unsupported("UNet level \(index) has attention on some of its resnets only")
        }
        // diffusers has one depth per level, and its mid block takes the deepest level's. Levels without
        // attention carry diffusers' default 1, except that the deepest one must then carry the mid block's.
        transformerLayersPerBlock = try levels.enumerated().map { index, level in
            guard let depth = level.depths.first, depth > 0 else {
                return index == levels.count - 1 ? middleDepth : 1
            }
            guard level.depths.allSatisfy({ $0 == depth }) else {
                throw unsupported("UNet level \(index) has transformer depths \(level.depths), not one per level")
            }
            return depth
        }
        if let deepest = transformerLayersPerBlock.last, deepest != middleDepth {
            throw unsupported("the UNet mid block has depth \(middleDepth), its deepest level \(deepest)")
        }

        // Up levels mirror the down levels with one more resnet each; their attentions are read from the file.
        var upTypes: [String] = []
        var outputBlock = 0
        for layers in layersPerBlock.reversed() {
            let hasAttention = shapes.containsAny(withPrefix: "\(p)output_blocks.\(outputBlock).1.transformer_blocks.")
            upTypes.append(hasAttention ? "CrossAttnUpBlock2D" : "UpBlock2D")
            outputBlock += layers + 1
        }
        upBlockTypes = upTypes

        switch architecture {
        case .sd1:
            attentionHeadDim = Array(repeating: Self.sd1Heads, count: levels.count)
        case .sd2, .sdxl:
            attentionHeadDim = try blockOutChannels.map { channels in
                guard channels % Self.headWidth == 0 else {
                    throw unsupported(
                        "UNet channels \(channels) are not a multiple of the \(Self.headWidth)-wide heads")
                }
                return channels / Self.headWidth
            }
        }
        crossAttentionDim = context.width
        useLinearProjection = context.linear
        sampleSize = latentSize

        // SDXL's `label_emb` takes the pooled text embedding and six sinusoids of `addition_time_embed_dim`.
        if shapes.contains("\(p)label_emb.0.0.weight") {
            let input = try dimension("label_emb.0.0.weight", 1)
            guard architecture == .sdxl, let pooled = pooledTextWidth, input > pooled, (input - pooled) % 6 == 0 else {
                throw unsupported("a class-conditioned UNet (label_emb with \(input) inputs)")
            }
            additionEmbedType = "text_time"
            additionTimeEmbedDim = (input - pooled) / 6
            projectionClassEmbeddingsInputDim = input
        } else if architecture == .sdxl {
            throw CheckpointError.parameters(
                component: Self.component, path: shapes.path,
                problems: ParameterProblems(missing: ["\(p)label_emb.0.0.weight"]))
        }
    }
}
