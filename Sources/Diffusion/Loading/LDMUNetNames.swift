/// diffusers `UNet2DConditionModel` parameter names → the original (LDM/SGM) names under `model.diffusion_model.`,
/// as diffusers' `convert_ldm_unet_checkpoint` relates them (`loaders/single_file_utils.py`).
///
/// LDM numbers the blocks in one flat list per side: `input_blocks.0` is `conv_in`, then each down level's resnets
/// (with their attentions at sub-index 1) and its downsampler (`.0.op`); `output_blocks` holds each up level's
/// `layers_per_block + 1` resnets, the upsampler riding on the level's last one (at `.1` or, after an attention,
/// `.2`). The offsets are computed per level, so the `(layers_per_block + 1)` arithmetic also holds for per-level
/// counts.
public struct LDMUNetNames: Sendable {
    static let prefix = "model.diffusion_model."

    private let downOffsets: [Int]
    private let downResnets: [Int]
    private let upOffsets: [Int]
    private let upResnets: [Int]
    private let upHasAttention: [Bool]

    public init(config: UNetConfig) {
        downResnets = config.layersPerBlock
        downOffsets = Self.offsets(start: 1, counts: downResnets.map { $0 + 1 })
        upResnets = config.layersPerBlock.reversed().map { $0 + 1 }
        upOffsets = Self.offsets(start: 0, counts: upResnets)
        upHasAttention = config.upBlockTypes.map { $0 == .crossAttention }
    }

    private static func offsets(start: Int, counts: [Int]) -> [Int] {
        counts.dropLast().reduce(into: [start]) { offsets, count in offsets.append(offsets[offsets.count - 1] + count) }
    }

    /// The full checkpoint key of a UNet parameter, or `nil` for a name outside the mapping.
    func locator(for name: String) -> TensorLocator? {
        ldmName(name).map { TensorLocator(key: Self.prefix + $0) }
    }

    /// The LDM path of a diffusers UNet module (`down_blocks.1.attentions.0.proj_in` → `input_blocks.4.1.proj_in`,
    /// `down_blocks.0.resnets.0.conv1` → `input_blocks.1.0.in_layers.2`), without the checkpoint prefix; `nil` for
    /// a path outside the mapping. kohya's SDXL LoRA names are built from these paths.
    public func ldmModulePath(_ path: String) -> String? {
        // The mapping is written for parameter names (the resnet renames match `conv1.`): name the weight.
        ldmName(path + ".weight").map { String($0.dropLast(".weight".count)) }
    }

    private func ldmName(_ name: String) -> String? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        func rest(_ from: Int) -> String? { parts.count > from ? parts[from...].joined(separator: ".") : nil }
        func number(_ at: Int) -> Int? { parts.count > at ? Int(parts[at]) : nil }

        switch parts[0] {
        case "conv_in": return rest(1).map { "input_blocks.0.0.\($0)" }
        case "conv_norm_out": return rest(1).map { "out.0.\($0)" }
        case "conv_out": return rest(1).map { "out.2.\($0)" }
        case "time_embedding": return linearPair(parts, base: "time_embed")
        case "add_embedding": return linearPair(parts, base: "label_emb.0")
        case "down_blocks":
            guard let level = number(1), downOffsets.indices.contains(level), parts.count > 3 else { return nil }
            let layers = downResnets[level]
            switch parts[2] {
            case "resnets":
                guard let j = number(3), j < layers, let tail = rest(4) else { return nil }
                return Self.resnetName(block: "input_blocks.\(downOffsets[level] + j).0", tail)
            case "attentions":
                guard let j = number(3), j < layers, let tail = rest(4) else { return nil }
                return "input_blocks.\(downOffsets[level] + j).1.\(tail)"
            case "downsamplers":
                guard parts[3] == "0", parts.count > 4, parts[4] == "conv", let tail = rest(5) else { return nil }
                return "input_blocks.\(downOffsets[level] + layers).0.op.\(tail)"
            default: return nil
            }
        case "mid_block":
            guard parts.count > 3, let tail = rest(3) else { return nil }
            switch (parts[1], parts[2]) {
            case ("resnets", "0"): return Self.resnetName(block: "middle_block.0", tail)
            case ("attentions", "0"): return "middle_block.1.\(tail)"
            case ("resnets", "1"): return Self.resnetName(block: "middle_block.2", tail)
            default: return nil
            }
        case "up_blocks":
            guard let level = number(1), upOffsets.indices.contains(level), parts.count > 3 else { return nil }
            let resnets = upResnets[level]
            switch parts[2] {
            case "resnets":
                guard let j = number(3), j < resnets, let tail = rest(4) else { return nil }
                return Self.resnetName(block: "output_blocks.\(upOffsets[level] + j).0", tail)
            case "attentions":
                guard let j = number(3), j < resnets, let tail = rest(4) else { return nil }
                return "output_blocks.\(upOffsets[level] + j).1.\(tail)"
            case "upsamplers":
                guard parts[3] == "0", parts.count > 4, parts[4] == "conv", let tail = rest(5) else { return nil }
                let slot = upHasAttention[level] ? 2 : 1
                return "output_blocks.\(upOffsets[level] + resnets - 1).\(slot).conv.\(tail)"
            default: return nil
            }
        default:
            return nil
        }
    }

    /// `linear_1` / `linear_2` of a diffusers `TimestepEmbedding` are entries 0 and 2 of LDM's `Sequential`.
    private func linearPair(_ parts: [String], base: String) -> String? {
        guard parts.count > 2 else { return nil }
        let tail = parts[2...].joined(separator: ".")
        switch parts[1] {
        case "linear_1": return "\(base).0.\(tail)"
        case "linear_2": return "\(base).2.\(tail)"
        default: return nil
        }
    }

    /// diffusers `ResnetBlock2D` layer names → LDM `ResBlock` (`in_layers`, `emb_layers`, `out_layers` Sequentials).
    private static func resnetName(block: String, _ tail: String) -> String? {
        let renames = [
            "norm1.": "in_layers.0.", "conv1.": "in_layers.2.", "time_emb_proj.": "emb_layers.1.",
            "norm2.": "out_layers.0.", "conv2.": "out_layers.3.", "conv_shortcut.": "skip_connection.",
        ]
        for (diffusers, ldm) in renames where tail.hasPrefix(diffusers) {
            return "\(block).\(ldm)\(tail.dropFirst(diffusers.count))"
        }
        return nil
    }
}
