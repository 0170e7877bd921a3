/// Which layers sd-scripts' `networks/lora.py` adapts, and at which rank and alpha.
///
/// sd-scripts selects by module class: every `Linear` and `Conv2d` among the descendants of a module whose class is
/// in `UNET_TARGET_REPLACE_MODULE` (`Transformer2DModel`), in `UNET_TARGET_REPLACE_MODULE_CONV2D_3X3`
/// (`ResnetBlock2D`, `Downsample2D`, `Upsample2D`; only when `conv_dim` is given) or, in the text encoders, in
/// `TEXT_ENCODER_TARGET_REPLACE_MODULE` (`CLIPAttention`, `CLIPMLP`). Linears and 1×1 convolutions get
/// `network_dim`/`network_alpha`, larger kernels `conv_dim`/`conv_alpha`; a dimension of 0 (or a 3×3 kernel without
/// `conv_dim`) leaves the layer out. On diffusers paths those classes are the path segments:
/// - `Transformer2DModel`: `…attentions.N.…` (proj_in/out, the attention projections, the feed-forward);
/// - `ResnetBlock2D`: `…resnets.N.…` (conv1, conv2, time_emb_proj, conv_shortcut);
/// - `Downsample2D` / `Upsample2D`: `…downsamplers.0.conv` / `…upsamplers.0.conv`;
/// - `CLIPAttention` / `CLIPMLP`: `text_model.encoder.layers.N.self_attn.…` / `….mlp.…`.
/// conv_in, conv_out and the time/added-condition embeddings belong to none of them; nor does `text_projection`.
extension LoRAModelLayout {
    /// The kohya class a layer's parent has, as far as target selection cares.
    enum KohyaParent {
        case transformer
        case convolutionBlock
        case textEncoderBlock
    }

    static func kohyaParent(of layer: AdaptableLayerDescription) -> KohyaParent? {
        let segments = layer.path.split(separator: ".")
        switch layer.component {
        case .textEncoder, .textEncoder2:
            guard segments.count == 6, segments.starts(with: ["text_model", "encoder", "layers"]),
                segments[4] == "self_attn" || segments[4] == "mlp"
            else { return nil }
            return .textEncoderBlock
        case .unet:
            // The block's container follows `mid_block` or `down_blocks.i` / `up_blocks.i`.
            let position: Int
            switch segments.first {
            case "mid_block": position = 1
            case "down_blocks", "up_blocks": position = 2
            default: return nil
            }
            guard segments.count > position + 2 else { return nil }
            switch segments[position] {
            case "attentions": return .transformer
            case "resnets", "downsamplers", "upsamplers": return .convolutionBlock
            default: return nil
            }
        }
    }

    /// The modules of an sd-scripts LoRA (or LoCon) network on this model, text encoders first, each in module order.
    public func kohyaModules(_ options: KohyaNetworkOptions) throws -> [LoRAModuleSpec] {
        guard options.networkDim >= 0 else {
            throw LoRAFormatError.invalidOption(name: "network_dim", reason: "\(options.networkDim) is negative")
        }
        if let convDim = options.convDim, convDim < 0 {
            throw LoRAFormatError.invalidOption(name: "conv_dim", reason: "\(convDim) is negative")
        }
        for (name, alpha) in [("network_alpha", options.networkAlpha), ("conv_alpha", options.convAlpha ?? 1)]
        where !alpha.isFinite {
            throw LoRAFormatError.invalidOption(name: name, reason: "\(alpha) is not a finite number")
        }
        var modules: [LoRAModuleSpec] = []
        for layer in layers.sorted(by: { $0.component < $1.component }) {
            let isTextEncoder = layer.component != .unet
            if isTextEncoder ? !options.trainTextEncoders : !options.trainUNet { continue }
            guard let parent = Self.kohyaParent(of: layer) else { continue }
            if parent == .convolutionBlock && options.convDim == nil { continue }
            let rank: Int
            let alpha: Float
            if layer.kind.kernel == 1 {
                (rank, alpha) = (options.networkDim, options.networkAlpha)
            } else if let convDim = options.convDim {
                (rank, alpha) = (convDim, options.convAlpha ?? 1)
            } else {
                continue
            }
            guard rank > 0 else { continue }
            guard let name = kohyaName(layer.component, layer.path) else {
                throw LoRAFormatError.invalidLayout(reason: "UNet layer '\(layer.path)' has no LDM name")
            }
            modules.append(
                LoRAModuleSpec(
                    component: layer.component, path: layer.path, kohyaName: name, kind: layer.kind, rank: rank,
                    alpha: alpha == 0 ? Float(rank) : alpha))
        }
        return modules
    }
}
