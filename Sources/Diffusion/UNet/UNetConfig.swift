import Tensors

/// The architecture of a `UNet2DConditionModel`, read from diffusers' `unet/config.json`.
///
/// Missing keys take diffusers' defaults (`models/unets/unet_2d_condition.py`); per-block values given once are
/// expanded to one entry per block here, so the model reads `layersPerBlock[i]` and never the raw JSON form. Values
/// lorad does not implement are rejected while decoding, with a `ModelConfigError` naming the field.
///
/// Keys that diffusers passes only to block types lorad does not build (`resnet_out_scale_factor`,
/// `resnet_skip_time_act`, `cross_attention_norm`, `mid_block_only_cross_attention`,
/// `addition_embed_type_num_heads`) are ignored, as they are in diffusers for these blocks; `dropout` is not applied.
public struct UNetConfig: Decodable, Sendable {
    public enum DownBlockType: String, Sendable {
        case crossAttention = "CrossAttnDownBlock2D"
        case plain = "DownBlock2D"
    }

    public enum UpBlockType: String, Sendable {
        case crossAttention = "CrossAttnUpBlock2D"
        case plain = "UpBlock2D"
    }

    /// The extra conditioning added to the time embedding.
    public enum AdditionEmbedType: String, Sendable {
        /// SDXL: pooled text embeddings and the six size/crop numbers (`add_embedding`).
        case textTime = "text_time"
    }

    /// The latent size the model was trained at (one number or `[height, width]`); informational.
    public var sampleSize: OneOrMany<Int>?
    public var inChannels: Int
    public var outChannels: Int
    public var flipSinToCos: Bool
    public var freqShift: Float
    public var downBlockTypes: [DownBlockType]
    /// `false` when `mid_block_type` is null (no mid block); otherwise it is `UNetMidBlock2DCrossAttn`.
    public var hasMidBlock: Bool
    public var upBlockTypes: [UpBlockType]
    /// Per down block; up block `i` uses entry `count − 1 − i`.
    public var onlyCrossAttention: [Bool]
    public var blockOutChannels: [Int]
    /// Resnets per down block; up block `i` has `layersPerBlock[count − 1 − i] + 1`.
    public var layersPerBlock: [Int]
    public var downsamplePadding: Int
    public var midBlockScaleFactor: Float
    public var activation: Activation
    public var normNumGroups: Int
    public var normEps: Float
    /// Context width of the cross-attention, per down block.
    public var crossAttentionDim: [Int]
    /// Transformer blocks of each attention of down block `i`, one entry per resnet.
    public var downTransformerLayers: [[Int]]
    /// Transformer blocks of each attention of up block `i` (in up-block order), one entry per resnet.
    public var upTransformerLayers: [[Int]]
    /// Transformer blocks of the mid block's attention.
    public var midTransformerLayers: Int
    /// Attention heads per down block: `num_attention_heads`, or else the legacy `attention_head_dim`, which
    /// diffusers has always read as the head count; the head width is then `channels / heads`.
    public var attentionHeads: [Int]
    public var useLinearProjection: Bool
    /// Asks for attention scores in f32 under f16 weights; lorad always accumulates attention in f32.
    public var upcastAttention: Bool
    /// Width of the time embedding: `time_embedding_dim`, or `4 · blockOutChannels[0]`.
    public var timeEmbeddingDim: Int
    /// Applied to the summed time embedding before the blocks (`time_embedding_act_fn`).
    public var timeEmbeddingActivation: Activation?
    /// Applied at the end of the time MLP (`timestep_post_act`).
    public var timestepPostActivation: Activation?
    public var convInKernel: Int
    public var convOutKernel: Int
    public var additionEmbedType: AdditionEmbedType?
    public var additionTimeEmbedDim: Int?
    public var projectionClassEmbeddingsInputDim: Int?

    static let component = "unet"

    enum CodingKeys: String, CodingKey {
        case sampleSize = "sample_size"
        case inChannels = "in_channels"
        case outChannels = "out_channels"
        case centerInputSample = "center_input_sample"
        case flipSinToCos = "flip_sin_to_cos"
        case freqShift = "freq_shift"
        case downBlockTypes = "down_block_types"
        case midBlockType = "mid_block_type"
        case upBlockTypes = "up_block_types"
        case onlyCrossAttention = "only_cross_attention"
        case blockOutChannels = "block_out_channels"
        case layersPerBlock = "layers_per_block"
        case downsamplePadding = "downsample_padding"
        case midBlockScaleFactor = "mid_block_scale_factor"
        case actFn = "act_fn"
        case normNumGroups = "norm_num_groups"
        case normEps = "norm_eps"
        case crossAttentionDim = "cross_attention_dim"
        case transformerLayersPerBlock = "transformer_layers_per_block"
        case reverseTransformerLayersPerBlock = "reverse_transformer_layers_per_block"
        case encoderHidDim = "encoder_hid_dim"
        case encoderHidDimType = "encoder_hid_dim_type"
        case attentionHeadDim = "attention_head_dim"
        case numAttentionHeads = "num_attention_heads"
        case dualCrossAttention = "dual_cross_attention"
        case useLinearProjection = "use_linear_projection"
        case classEmbedType = "class_embed_type"
        case additionEmbedType = "addition_embed_type"
        case additionTimeEmbedDim = "addition_time_embed_dim"
        case numClassEmbeds = "num_class_embeds"
        case upcastAttention = "upcast_attention"
        case resnetTimeScaleShift = "resnet_time_scale_shift"
        case timeEmbeddingType = "time_embedding_type"
        case timeEmbeddingDim = "time_embedding_dim"
        case timeEmbeddingActFn = "time_embedding_act_fn"
        case timestepPostAct = "timestep_post_act"
        case timeCondProjDim = "time_cond_proj_dim"
        case convInKernel = "conv_in_kernel"
        case convOutKernel = "conv_out_kernel"
        case projectionClassEmbeddingsInputDim = "projection_class_embeddings_input_dim"
        case attentionType = "attention_type"
        case classEmbeddingsConcat = "class_embeddings_concat"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let component = Self.component
        func unsupported(_ key: CodingKeys, _ value: String) -> ModelConfigError {
            .unsupported(component: component, field: key.rawValue, value: value)
        }
        func invalid(_ key: CodingKeys, _ reason: String) -> ModelConfigError {
            .invalid(component: component, field: key.rawValue, reason: reason)
        }

        // Features of UNet2DConditionModel that lorad does not implement: each must be absent or at its default.
        if try c.decodeIfPresent(Bool.self, forKey: .centerInputSample) == true {
            throw unsupported(.centerInputSample, "true")
        }
        for key in [CodingKeys.encoderHidDim, .numClassEmbeds, .timeCondProjDim] {
            if let value = try c.decodeIfPresent(Int.self, forKey: key) { throw unsupported(key, String(value)) }
        }
        for key in [CodingKeys.encoderHidDimType, .classEmbedType] {
            if let value = try c.decodeIfPresent(String.self, forKey: key) { throw unsupported(key, "\"\(value)\"") }
        }
        for (key, expected) in [
            (CodingKeys.timeEmbeddingType, "positional"), (.resnetTimeScaleShift, "default"),
            (.attentionType, "default"),
        ] {
            if let value = try c.decodeIfPresent(String.self, forKey: key), value != expected {
                throw unsupported(key, "\"\(value)\"")
            }
        }
        for key in [CodingKeys.dualCrossAttention, .classEmbeddingsConcat] {
            if try c.decodeIfPresent(Bool.self, forKey: key) == true { throw unsupported(key, "true") }
        }

        sampleSize = try c.decodeIfPresent(OneOrMany<Int>.self, forKey: .sampleSize)
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? 4
        outChannels = try c.decodeIfPresent(Int.self, forKey: .outChannels) ?? 4
        flipSinToCos = try c.decodeIfPresent(Bool.self, forKey: .flipSinToCos) ?? true
        freqShift = try c.decodeIfPresent(Float.self, forKey: .freqShift) ?? 0

        let downNames = try c.decodeIfPresent([String].self, forKey: .downBlockTypes)
            ?? ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
        downBlockTypes = try downNames.map { name in
            // diffusers' get_down_block drops a "UNetRes" prefix.
            guard let type = DownBlockType(rawValue: Self.droppingResPrefix(name)) else {
                throw unsupported(.downBlockTypes, "\"\(name)\"")
            }
            return type
        }
        let upNames = try c.decodeIfPresent([String].self, forKey: .upBlockTypes)
            ?? ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
        upBlockTypes = try upNames.map { name in
            guard let type = UpBlockType(rawValue: Self.droppingResPrefix(name)) else {
                throw unsupported(.upBlockTypes, "\"\(name)\"")
            }
            return type
        }
        // A missing key means diffusers' default; an explicit null means no mid block.
        if !c.contains(.midBlockType) {
            hasMidBlock = true
        } else if try c.decodeNil(forKey: .midBlockType) {
            hasMidBlock = false
        } else {
            let name = try c.decode(String.self, forKey: .midBlockType)
            guard name == "UNetMidBlock2DCrossAttn" else { throw unsupported(.midBlockType, "\"\(name)\"") }
            hasMidBlock = true
        }

        blockOutChannels = try c.decodeIfPresent([Int].self, forKey: .blockOutChannels) ?? [320, 640, 1280, 1280]
        let blocks = downBlockTypes.count
        guard blocks > 0 else { throw invalid(.downBlockTypes, "is empty") }
        guard upBlockTypes.count == blocks else {
            throw invalid(.upBlockTypes, "has \(upBlockTypes.count) entries, down_block_types has \(blocks)")
        }
        guard blockOutChannels.count == blocks else {
            throw invalid(.blockOutChannels, "has \(blockOutChannels.count) entries, down_block_types has \(blocks)")
        }

        func perBlock<Value: Decodable & Sendable>(_ key: CodingKeys, default value: Value) throws -> [Value] {
            try (c.decodeIfPresent(OneOrMany<Value>.self, forKey: key) ?? .one(value))
                .perBlock(blocks, component: component, field: key.rawValue)
        }
        onlyCrossAttention = try perBlock(.onlyCrossAttention, default: false)
        layersPerBlock = try perBlock(.layersPerBlock, default: 2)
        crossAttentionDim = try perBlock(.crossAttentionDim, default: 1280)
        let headDims = try perBlock(.attentionHeadDim, default: 8)
        attentionHeads =
            try c.decodeIfPresent(OneOrMany<Int>.self, forKey: .numAttentionHeads)?
            .perBlock(blocks, component: component, field: CodingKeys.numAttentionHeads.rawValue) ?? headDims

        downsamplePadding = try c.decodeIfPresent(Int.self, forKey: .downsamplePadding) ?? 1
        midBlockScaleFactor = try c.decodeIfPresent(Float.self, forKey: .midBlockScaleFactor) ?? 1
        let actName = try c.decodeIfPresent(String.self, forKey: .actFn) ?? "silu"
        activation = try Activation(configName: actName, component: component, field: CodingKeys.actFn.rawValue)
        if c.contains(.normNumGroups), try c.decodeNil(forKey: .normNumGroups) {
            throw unsupported(.normNumGroups, "null")
        }
        normNumGroups = try c.decodeIfPresent(Int.self, forKey: .normNumGroups) ?? 32
        normEps = try c.decodeIfPresent(Float.self, forKey: .normEps) ?? 1e-5
        useLinearProjection = try c.decodeIfPresent(Bool.self, forKey: .useLinearProjection) ?? false
        upcastAttention = try c.decodeIfPresent(Bool.self, forKey: .upcastAttention) ?? false

        // transformer_layers_per_block: one count for all, one per block, or (asymmetric UNets) one list per block
        // with a count per resnet, which then needs reverse_transformer_layers_per_block for the up blocks.
        let depths = try perBlock(.transformerLayersPerBlock, default: OneOrMany<Int>.one(1))
        downTransformerLayers = try zip(depths, layersPerBlock).map { depth, layers in
            switch depth {
            case .one(let count): return Array(repeating: count, count: layers)
            case .many(let counts):
                guard counts.count >= layers else {
                    throw invalid(.transformerLayersPerBlock, "lists \(counts.count) depths for \(layers) resnets")
                }
                return Array(counts.prefix(layers))
            }
        }
        switch depths[blocks - 1] {
        case .one(let count): midTransformerLayers = count
        case .many(let counts):
            guard let first = counts.first else { throw invalid(.transformerLayersPerBlock, "has an empty list") }
            midTransformerLayers = first
        }
        let upLayers = layersPerBlock.reversed().map { $0 + 1 }
        if let reverse = try c.decodeIfPresent([OneOrMany<Int>].self, forKey: .reverseTransformerLayersPerBlock) {
            guard reverse.count == blocks else {
                throw invalid(.reverseTransformerLayersPerBlock, "has \(reverse.count) entries, expected \(blocks)")
            }
            upTransformerLayers = try zip(reverse, upLayers).map { depth, layers in
                switch depth {
                case .one(let count): return Array(repeating: count, count: layers)
                case .many(let counts):
                    guard counts.count >= layers else {
                        throw invalid(
                            .reverseTransformerLayersPerBlock, "lists \(counts.count) depths for \(layers) resnets")
                    }
                    return Array(counts.prefix(layers))
                }
            }
        } else {
            upTransformerLayers = try zip(depths.reversed(), upLayers).map { depth, layers in
                guard case .one(let count) = depth else {
                    throw invalid(
                        .reverseTransformerLayersPerBlock,
                        "is required when transformer_layers_per_block has per-resnet lists")
                }
                return Array(repeating: count, count: layers)
            }
        }

        let embeddingDim = try c.decodeIfPresent(Int.self, forKey: .timeEmbeddingDim)
        timeEmbeddingDim = embeddingDim ?? 4 * blockOutChannels[0]
        timeEmbeddingActivation = try c.decodeIfPresent(String.self, forKey: .timeEmbeddingActFn).map {
            try Activation(configName: $0, component: component, field: CodingKeys.timeEmbeddingActFn.rawValue)
        }
        timestepPostActivation = try c.decodeIfPresent(String.self, forKey: .timestepPostAct).map {
            try Activation(configName: $0, component: component, field: CodingKeys.timestepPostAct.rawValue)
        }
        convInKernel = try c.decodeIfPresent(Int.self, forKey: .convInKernel) ?? 3
        convOutKernel = try c.decodeIfPresent(Int.self, forKey: .convOutKernel) ?? 3

        if let name = try c.decodeIfPresent(String.self, forKey: .additionEmbedType) {
            guard let type = AdditionEmbedType(rawValue: name) else {
                throw unsupported(.additionEmbedType, "\"\(name)\"")
            }
            additionEmbedType = type
        } else {
            additionEmbedType = nil
        }
        additionTimeEmbedDim = try c.decodeIfPresent(Int.self, forKey: .additionTimeEmbedDim)
        projectionClassEmbeddingsInputDim =
            try c.decodeIfPresent(Int.self, forKey: .projectionClassEmbeddingsInputDim)

        // Shapes that cannot build a model.
        func requirePositive(_ values: [Int], _ key: CodingKeys) throws {
            if let bad = values.first(where: { $0 <= 0 }) { throw invalid(key, "must be positive, got \(bad)") }
        }
        try requirePositive([inChannels], .inChannels)
        try requirePositive([outChannels], .outChannels)
        try requirePositive(blockOutChannels, .blockOutChannels)
        try requirePositive([normNumGroups], .normNumGroups)
        try requirePositive(crossAttentionDim, .crossAttentionDim)
        try requirePositive(attentionHeads, c.contains(.numAttentionHeads) ? .numAttentionHeads : .attentionHeadDim)
        try requirePositive([timeEmbeddingDim], embeddingDim == nil ? .blockOutChannels : .timeEmbeddingDim)
        try requirePositive(layersPerBlock, .layersPerBlock)
        if let bad = blockOutChannels.first(where: { $0 % normNumGroups != 0 }) {
            throw invalid(.blockOutChannels, "entry \(bad) is not divisible by norm_num_groups \(normNumGroups)")
        }
        for (key, kernel) in [(CodingKeys.convInKernel, convInKernel), (.convOutKernel, convOutKernel)]
        where kernel <= 0 || kernel % 2 == 0 {
            throw invalid(key, "must be a positive odd size (it is padded to keep the size), got \(kernel)")
        }
        if downsamplePadding < 0 { throw invalid(.downsamplePadding, "must not be negative") }
        if additionEmbedType == .textTime {
            guard let dim = additionTimeEmbedDim, dim > 0 else {
                throw invalid(.additionTimeEmbedDim, "must be a positive number for addition_embed_type \"text_time\"")
            }
            guard let dim = projectionClassEmbeddingsInputDim, dim > 0 else {
                throw invalid(
                    .projectionClassEmbeddingsInputDim,
                    "must be a positive number for addition_embed_type \"text_time\"")
            }
        }
    }

    private static func droppingResPrefix(_ name: String) -> String {
        name.hasPrefix("UNetRes") ? String(name.dropFirst("UNetRes".count)) : name
    }
}
