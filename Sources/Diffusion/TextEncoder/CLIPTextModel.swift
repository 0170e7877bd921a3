import Tensors

/// What `CLIPTextModel` computes for a batch of token sequences (transformers' outputs with
/// `output_hidden_states=True`).
public struct CLIPTextOutput: Sendable {
    /// `num_hidden_layers + 1` tensors `[B, L, C]`: the embeddings, then each layer's output (before the final LN).
    public var hiddenStates: [Tensor]
    /// The last layer's output after `final_layer_norm`, `[B, L, C]`.
    public var lastHiddenState: Tensor
    /// `lastHiddenState` at each sequence's end-of-text position, `[B, C]` (transformers' `pooler_output`).
    public var pooled: Tensor
    /// `text_projection(pooled)`, `[B, projection_dim]`; only for a model built `withProjection`.
    public var textEmbeds: Tensor?
}

/// The CLIP text transformer of Stable Diffusion (transformers `CLIPTextModel`, or `CLIPTextModelWithProjection`
/// for SDXL's second encoder), read from parameters named as transformers saves them (`text_model.…`,
/// `text_projection.weight`).
public struct CLIPTextModel: Sendable {
    public let config: CLIPTextConfig
    let tokenEmbedding: Tensor
    let positionEmbedding: Tensor
    let layers: [CLIPEncoderLayer]
    public let finalLayerNorm: LayerNorm
    let projection: Linear?
    /// The layers LoRA-style adapters can attach to, by module path (`text_model.encoder.layers.0.mlp.fc1`).
    public let adaptableLayers: AdaptableLayers
    let backend: any Backend

    public init(config: CLIPTextConfig, parameters: Parameters, withProjection: Bool) throws {
        let width = config.hiddenSize
        let model = parameters["text_model"]
        tokenEmbedding = model["embeddings"]["token_embedding"].tensor("weight", shape: [config.vocabSize, width])
        positionEmbedding = model["embeddings"]["position_embedding"]
            .tensor("weight", shape: [config.maxPositionEmbeddings, width])
        layers = (0..<config.numHiddenLayers).map { CLIPEncoderLayer(model["encoder"]["layers"][$0], config: config) }
        finalLayerNorm = LayerNorm(model["final_layer_norm"], features: width, eps: config.layerNormEps)
        if withProjection {
            guard let projectionDim = config.projectionDim else {
                throw ModelConfigError.invalid(
                    component: CLIPTextConfig.component, field: "projection_dim",
                    reason: "is null, but CLIPTextModelWithProjection needs text_projection")
            }
            projection = Linear(
                parameters["text_projection"], inFeatures: width, outFeatures: projectionDim, bias: false)
        } else {
            projection = nil
        }
        self.config = config
        adaptableLayers = parameters.adaptableLayers
        backend = parameters.backend
    }

    public var hasProjection: Bool { projection != nil }

    /// Encodes `B` token sequences of one length `L ≤ max_position_embeddings`. No padding mask, as diffusers' SD
    /// pipelines pass none: padding positions attend like any other token (causally, so they never reach the
    /// positions before them).
    public func callAsFunction(_ ids: [[Int32]]) throws -> CLIPTextOutput {
        guard let length = ids.first?.count else { throw TextEncoderError.emptyBatch }
        guard ids.allSatisfy({ $0.count == length }) else { throw TextEncoderError.unequalLengths(ids.map(\.count)) }
        guard length > 0 else { throw TextEncoderError.emptyBatch }
        guard length <= config.maxPositionEmbeddings else {
            throw TextEncoderError.sequenceTooLong(length: length, maxPositionEmbeddings: config.maxPositionEmbeddings)
        }
        let flat = ids.flatMap { $0 }
        if let bad = flat.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw TextEncoderError.tokenOutOfRange(id: bad, vocabSize: config.vocabSize)
        }
        let (batch, width) = (ids.count, config.hiddenSize)

        let tokens = backend.embedding(flat, table: tokenEmbedding).reshaped([batch, length, width])
        let positions = backend.slice(positionEmbedding, axis: 0, 0..<length)
        var hidden = backend.add(tokens, positions)
        var hiddenStates = [hidden]
        for layer in layers {
            hidden = layer(hidden)
            hiddenStates.append(hidden)
        }
        let last = finalLayerNorm(hidden)

        let rows = ids.enumerated().map { $0.offset * length + poolingPosition($0.element) }
        let pooled = backend.gatherRows(last.reshaped([batch * length, width]), rows: rows)
        return CLIPTextOutput(
            hiddenStates: hiddenStates, lastHiddenState: last, pooled: pooled, textEmbeds: projection?(pooled))
    }

    /// transformers' rule: configs from before transformers PR #24773 carry `eos_token_id = 2`, and then the
    /// end-of-text token is taken to be the largest id (it is, in CLIP's vocabulary), first occurrence; otherwise
    /// the first position holding `eos_token_id`, or 0 when there is none (the argmax of an all-false mask).
    func poolingPosition(_ ids: [Int32]) -> Int {
        if config.eosTokenID == 2 {
            guard let largest = ids.max() else { return 0 }
            return ids.firstIndex(of: largest) ?? 0
        }
        return ids.firstIndex(where: { Int($0) == config.eosTokenID }) ?? 0
    }
}
