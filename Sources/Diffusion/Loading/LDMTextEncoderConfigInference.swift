import Tensors

extension CLIPTextConfig {
    /// The config of a single-file checkpoint's text encoder, inferred from its tensor shapes: vocabulary, width,
    /// positions, MLP width, layer count and projection are stored; the rest follows the family. Heads are 64
    /// channels wide in every SD text encoder; OpenAI's ViT-L uses quick_gelu and OpenCLIP exact GELU; SD 2.x
    /// uses OpenCLIP's penultimate layer, so diffusers drops the last one (`SD_2_TEXT_ENCODER_KEYS_TO_IGNORE`). The
    /// token ids are those in the diffusers folders of these models (written before transformers stored CLIP's
    /// real ids; `CLIPTextModel` pools the same position either way).
    init(_ shapes: CheckpointShapes, names: LDMTextEncoderNames, dropsLastLayer: Bool, component: String) throws {
        func dimension(_ key: String, _ axis: Int) throws -> Int {
            try shapes.dimension(names.prefix + key, axis, component: component)
        }
        let (token, position, firstMLP, layers, activation): (String, String, String, String, Activation)
        var projectionDim: Int?
        switch names {
        case .openAI:
            (token, position) = (
                "text_model.embeddings.token_embedding.weight", "text_model.embeddings.position_embedding.weight"
            )
            (firstMLP, layers, activation) = (
                "text_model.encoder.layers.0.mlp.fc1.weight", "text_model.encoder.layers.", .quickGELU
            )
        case .openCLIP:
            (token, position) = ("token_embedding.weight", "positional_embedding")
            (firstMLP, layers, activation) = (
                "transformer.resblocks.0.mlp.c_fc.weight", "transformer.resblocks.", .gelu
            )
            // Stored `[width, projection]`, the transpose of transformers' weight.
            if shapes.contains(names.prefix + "text_projection") { projectionDim = try dimension("text_projection", 1) }
        }
        let storedLayers = shapes.countNumbered(names.prefix + layers)
        let width = try dimension(token, 1)
        try self.init(
            vocabSize: dimension(token, 0),
            hiddenSize: width,
            intermediateSize: dimension(firstMLP, 0),
            projectionDim: projectionDim ?? width,
            numHiddenLayers: dropsLastLayer ? max(storedLayers - 1, 0) : storedLayers,
            numAttentionHeads: max(width / Self.headWidth, 1),
            maxPositionEmbeddings: dimension(position, 0),
            hiddenAct: activation,
            layerNormEps: 1e-5,
            padTokenID: 1, bosTokenID: 0, eosTokenID: 2)
    }

    /// The head width of every SD text encoder (ViT-L/14 12×64, ViT-H/14 16×64, ViT-bigG/14 20×64).
    static let headWidth = 64
}
