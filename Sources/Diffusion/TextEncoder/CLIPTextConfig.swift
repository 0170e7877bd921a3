import Tensors

/// The architecture of a CLIP text encoder, read from transformers' `text_encoder/config.json`.
///
/// Missing keys take the defaults of transformers' `CLIPTextConfig` (`models/clip/configuration_clip.py`, which are
/// openai/clip-vit-base-patch32's, not SD's: a diffusers folder always states its values). A full `CLIPConfig`
/// (`model_type: "clip"`) nests the text part under `text_config`, which is read instead, as transformers'
/// `base_config_key` does.
public struct CLIPTextConfig: Decodable, Sendable, Equatable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    /// Width of `text_projection` (CLIPTextModelWithProjection); `nil` when the config sets it to null.
    public var projectionDim: Int?
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var maxPositionEmbeddings: Int
    /// `quick_gelu` (OpenAI CLIP) or `gelu` (OpenCLIP, exact erf).
    public var hiddenAct: Activation
    public var layerNormEps: Float
    public var padTokenID: Int?
    public var bosTokenID: Int?
    /// Chooses the pooled position: 2 is the pre-2023 placeholder, meaning "the largest id" (see `CLIPTextModel`).
    public var eosTokenID: Int

    static let component = "text_encoder"

    /// A config from values; the defaults are transformers'.
    public init(
        vocabSize: Int = 49408, hiddenSize: Int = 512, intermediateSize: Int = 2048, projectionDim: Int? = 512,
        numHiddenLayers: Int = 12, numAttentionHeads: Int = 8, maxPositionEmbeddings: Int = 77,
        hiddenAct: Activation = .quickGELU, layerNormEps: Float = 1e-5, padTokenID: Int? = 1,
        bosTokenID: Int? = 49406, eosTokenID: Int = 49407
    ) throws {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.projectionDim = projectionDim
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.hiddenAct = hiddenAct
        self.layerNormEps = layerNormEps
        self.padTokenID = padTokenID
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
        try validate()
    }

    enum CodingKeys: String, CodingKey {
        case textConfig = "text_config"
        case vocabSize = "vocab_size"
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case projectionDim = "projection_dim"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case maxPositionEmbeddings = "max_position_embeddings"
        case hiddenAct = "hidden_act"
        case layerNormEps = "layer_norm_eps"
        case padTokenID = "pad_token_id"
        case bosTokenID = "bos_token_id"
        case eosTokenID = "eos_token_id"
    }

    public init(from decoder: any Decoder) throws {
        let outer = try decoder.container(keyedBy: CodingKeys.self)
        let c = outer.contains(.textConfig)
            ? try outer.nestedContainer(keyedBy: CodingKeys.self, forKey: .textConfig) : outer

        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? 49408
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? 512
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? 2048
        // Absent means the default; an explicit null means no projection.
        projectionDim = c.contains(.projectionDim) ? try c.decodeIfPresent(Int.self, forKey: .projectionDim) : 512
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? 12
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? 8
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 77

        let activation = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? Activation.quickGELU.rawValue
        guard let act = Activation(rawValue: activation) else { throw Self.unsupportedActivation(activation) }
        hiddenAct = act
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? 1e-5

        padTokenID = c.contains(.padTokenID) ? try c.decodeIfPresent(Int.self, forKey: .padTokenID) : 1
        bosTokenID = c.contains(.bosTokenID) ? try c.decodeIfPresent(Int.self, forKey: .bosTokenID) : 49406
        if c.contains(.eosTokenID) {
            // transformers would pool position 0 of every sequence under a null id: reject that instead.
            guard let eos = try c.decodeIfPresent(Int.self, forKey: .eosTokenID) else {
                throw Self.invalid(.eosTokenID, "is null; the pooled output needs the end-of-text id")
            }
            eosTokenID = eos
        } else {
            eosTokenID = 49407
        }
        try validate()
    }

    /// The width of one attention head.
    public var headDim: Int { hiddenSize / numAttentionHeads }

    private static func unsupportedActivation(_ name: String) -> ModelConfigError {
        .unsupported(component: component, field: CodingKeys.hiddenAct.rawValue, value: "\"\(name)\"")
    }

    private static func invalid(_ key: CodingKeys, _ reason: String) -> ModelConfigError {
        .invalid(component: component, field: key.rawValue, reason: reason)
    }

    private func validate() throws {
        // transformers' ACT2FN knows many more; SD text encoders use only these two.
        guard hiddenAct == .quickGELU || hiddenAct == .gelu else {
            throw Self.unsupportedActivation(hiddenAct.rawValue)
        }
        for (key, value) in [
            (CodingKeys.vocabSize, vocabSize), (.hiddenSize, hiddenSize), (.intermediateSize, intermediateSize),
            (.numHiddenLayers, numHiddenLayers), (.numAttentionHeads, numAttentionHeads),
            (.maxPositionEmbeddings, maxPositionEmbeddings),
        ] where value <= 0 {
            throw Self.invalid(key, "is \(value), expected a positive number")
        }
        if let projectionDim, projectionDim <= 0 {
            throw Self.invalid(.projectionDim, "is \(projectionDim), expected a positive number")
        }
        if hiddenSize % numAttentionHeads != 0 {
            throw Self.invalid(
                .hiddenSize, "(\(hiddenSize)) is not a multiple of num_attention_heads (\(numAttentionHeads))")
        }
        if !(layerNormEps > 0) { throw Self.invalid(.layerNormEps, "is \(layerNormEps), expected a positive number") }
    }
}
