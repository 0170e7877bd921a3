/// diffusers `AutoencoderKL` parameter names → the original (LDM) names under `first_stage_model.`, as diffusers'
/// `convert_ldm_vae_checkpoint` relates them (`loaders/single_file_utils.py`).
///
/// The decoder's levels are numbered deepest first in LDM (`up.{n−1−i}` is diffusers' `up_blocks.i`), and the mid
/// attention's projections are stored as 1×1 convolutions that become linear weights.
struct LDMVAENames: Sendable {
    static let prefix = "first_stage_model."

    private let levels: Int

    init(config: VAEConfig) {
        levels = config.blockOutChannels.count
    }

    func locator(for name: String) -> TensorLocator? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3 else { return TensorLocator(key: Self.prefix + name) }  // quant_conv, post_quant_conv
        let side = parts[0]
        let rest = parts[2...].joined(separator: ".")
        let tail = parts[1...].joined(separator: ".")
        switch parts[1] {
        case "conv_norm_out":
            return TensorLocator(key: "\(Self.prefix)\(side).norm_out.\(rest)")
        case "down_blocks" where side == "encoder", "up_blocks" where side == "decoder":
            return levelLocator(side: side, parts: parts)
        case "mid_block":
            return midLocator(side: side, parts: parts)
        default:
            return TensorLocator(key: "\(Self.prefix)\(side).\(tail)")
        }
    }

    /// `encoder.down_blocks.i.{resnets.j, downsamplers.0}` / `decoder.up_blocks.i.{resnets.j, upsamplers.0}`.
    private func levelLocator(side: String, parts: [String]) -> TensorLocator? {
        guard parts.count > 5, let level = Int(parts[2]), (0..<levels).contains(level) else { return nil }
        let (ldmLevel, group, sampler) =
            side == "encoder"
            ? ("down.\(level)", "downsamplers", "downsample") : ("up.\(levels - 1 - level)", "upsamplers", "upsample")
        let tail = parts[5...].joined(separator: ".")
        switch parts[3] {
        case "resnets":
            guard let j = Int(parts[4]) else { return nil }
            return TensorLocator(key: "\(Self.prefix)\(side).\(ldmLevel).block.\(j).\(Self.resnetTail(tail))")
        case group where parts[4] == "0":
            return TensorLocator(key: "\(Self.prefix)\(side).\(ldmLevel).\(sampler).\(tail)")
        default:
            return nil
        }
    }

    /// `mid_block.resnets.{0,1}` → `mid.block_{1,2}`; `mid_block.attentions.0` → `mid.attn_1`.
    private func midLocator(side: String, parts: [String]) -> TensorLocator? {
        guard parts.count > 4, let index = Int(parts[3]) else { return nil }
        let tail = parts[4...].joined(separator: ".")
        switch parts[2] {
        case "resnets":
            return TensorLocator(key: "\(Self.prefix)\(side).mid.block_\(index + 1).\(Self.resnetTail(tail))")
        case "attentions" where index == 0:
            let renames = [
                ("group_norm.", "norm.", false), ("to_q.", "q.", true), ("to_k.", "k.", true), ("to_v.", "v.", true),
                ("to_out.0.", "proj_out.", true),
            ]
            for (diffusers, ldm, isProjection) in renames where tail.hasPrefix(diffusers) {
                let field = tail.dropFirst(diffusers.count)
                return TensorLocator(
                    key: "\(Self.prefix)\(side).mid.attn_1.\(ldm)\(field)",
                    transform: isProjection && field == "weight" ? .squeezeToMatrix : .identity)
            }
            return nil
        default:
            return nil
        }
    }

    private static func resnetTail(_ tail: String) -> String {
        tail.hasPrefix("conv_shortcut.") ? "nin_shortcut." + tail.dropFirst("conv_shortcut.".count) : tail
    }
}
