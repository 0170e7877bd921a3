/// The Stable Diffusion families lorad loads. They differ in text encoders (and so in key layout, tokenizer
/// padding and LoRA naming), in UNet attention rules and in their default scheduler.
public enum ModelArchitecture: String, Sendable, CaseIterable {
    /// SD 1.x: OpenAI CLIP ViT-L/14, 8 heads per UNet level.
    case sd1
    /// SD 2.x: OpenCLIP ViT-H/14 used up to its penultimate layer, 64-wide UNet heads, linear projections.
    case sd2
    /// SDXL base: CLIP ViT-L/14 and OpenCLIP ViT-bigG/14 together, size/crop conditioning.
    case sdxl

    /// Where a single-file checkpoint keeps the UNet and the VAE (all families).
    static let unetPrefix = LDMUNetNames.prefix
    static let vaePrefix = LDMVAENames.prefix

    /// The text encoders of a single-file checkpoint of this family, in pipeline order.
    var singleFileTextEncoders: [LDMTextEncoderNames] {
        switch self {
        case .sd1: [.openAI(prefix: "cond_stage_model.transformer.")]
        case .sd2: [.openCLIP(prefix: "cond_stage_model.model.")]
        case .sdxl:
            [
                .openAI(prefix: "conditioner.embedders.0.transformer."),
                .openCLIP(prefix: "conditioner.embedders.1.model."),
            ]
        }
    }

    /// The family of a single-file (LDM/SGM) checkpoint, told by where its text encoders are, as diffusers'
    /// `infer_diffusers_model_type` and ComfyUI's `model_detection` tell them apart.
    static func detect(keys: some Sequence<String>, path: String) throws -> ModelArchitecture {
        var prefixes = Set<String>()
        let known = [
            unetPrefix, vaePrefix, "cond_stage_model.transformer.", "cond_stage_model.model.",
            "conditioner.embedders.0.transformer.", "conditioner.embedders.0.model.", "conditioner.embedders.1.model.",
        ]
        var sample: [String] = []
        for key in keys {
            if let prefix = known.first(where: { key.hasPrefix($0) }) { prefixes.insert(prefix) }
            if sample.count < 3 { sample.append(key) }
        }
        let expected =
            "a single-file SD 1.x, 2.x or XL checkpoint with the UNet under \(unetPrefix), the VAE under "
            + "\(vaePrefix) and the text encoders under cond_stage_model. or conditioner.embedders."
        guard prefixes.contains(unetPrefix) else {
            let found = sample.isEmpty ? "no tensors" : "tensors such as \(sample.joined(separator: ", "))"
            throw CheckpointError.notAModel(path: path, expected: "\(expected); found \(found)")
        }
        if prefixes.contains("conditioner.embedders.1.model.") { return .sdxl }
        if prefixes.contains("conditioner.embedders.0.model.") {
            throw CheckpointError.unsupported(
                path: path, reason: "an SDXL refiner (OpenCLIP only, under conditioner.embedders.0.model.)")
        }
        if prefixes.contains("cond_stage_model.model.") { return .sd2 }
        if prefixes.contains("cond_stage_model.transformer.") { return .sd1 }
        throw CheckpointError.notAModel(path: path, expected: "\(expected); found a UNet without text encoders")
    }
}
