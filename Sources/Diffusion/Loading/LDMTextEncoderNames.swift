/// transformers `CLIPTextModel` parameter names → where a single-file checkpoint keeps them.
///
/// OpenAI CLIP (SD 1.x and SDXL's first encoder) is stored with transformers' own names under a prefix; OpenCLIP
/// (SD 2.x and SDXL's second encoder) has its own layout, which diffusers' `convert_open_clip_checkpoint` maps:
/// fused `in_proj_weight` rows q, k, v, and `text_projection` stored transposed.
enum LDMTextEncoderNames: Sendable {
    /// transformers names after `prefix` (which ends in `transformer.`).
    case openAI(prefix: String)
    /// OpenCLIP names after `prefix` (which ends in `model.`).
    case openCLIP(prefix: String)

    var prefix: String {
        switch self {
        case .openAI(let prefix), .openCLIP(let prefix): prefix
        }
    }

    func locator(for name: String) -> TensorLocator? {
        switch self {
        case .openAI(let prefix):
            return TensorLocator(key: prefix + name)
        case .openCLIP(let prefix):
            return Self.openCLIPLocator(name).map { TensorLocator(key: prefix + $0.key, transform: $0.transform) }
        }
    }

    private static func openCLIPLocator(_ name: String) -> TensorLocator? {
        switch name {
        case "text_model.embeddings.token_embedding.weight": return TensorLocator(key: "token_embedding.weight")
        case "text_model.embeddings.position_embedding.weight": return TensorLocator(key: "positional_embedding")
        case "text_projection.weight": return TensorLocator(key: "text_projection", transform: .transpose)
        default: break
        }
        if name.hasPrefix("text_model.final_layer_norm.") {
            return TensorLocator(key: "ln_final." + name.dropFirst("text_model.final_layer_norm.".count))
        }
        let layers = "text_model.encoder.layers."
        guard name.hasPrefix(layers) else { return nil }
        let parts = name.dropFirst(layers.count).split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, let layer = Int(parts[0]) else { return nil }
        let block = "transformer.resblocks.\(layer)."
        let tail = parts[1]
        let projections = ["self_attn.q_proj.", "self_attn.k_proj.", "self_attn.v_proj."]
        if let index = projections.firstIndex(where: { tail.hasPrefix($0) }) {
            let field = tail.dropFirst(projections[index].count)
            return TensorLocator(key: block + "attn.in_proj_\(field)", transform: .rowBlock(index: index, count: 3))
        }
        let renames = [
            "self_attn.out_proj.": "attn.out_proj.", "layer_norm1.": "ln_1.", "layer_norm2.": "ln_2.",
            "mlp.fc1.": "mlp.c_fc.", "mlp.fc2.": "mlp.c_proj.",
        ]
        for (transformers, openCLIP) in renames where tail.hasPrefix(transformers) {
            return TensorLocator(key: block + openCLIP + tail.dropFirst(transformers.count))
        }
        return nil
    }
}
