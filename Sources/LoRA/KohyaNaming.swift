import Diffusion

/// kohya's module names (sd-scripts `networks/lora.py`, `LoRANetwork.create_modules`): the prefix, `.`, the module
/// path in sd-scripts' own model classes, then every `.` replaced by `_`.
///
/// sd-scripts' SD 1.x/2.x UNet (`library/original_unet.py`) keeps diffusers' module paths, while its SDXL UNet
/// (`library/sdxl_original_unet.py`) keeps the original LDM ones (`input_blocks.4.1…`, resnets' `in_layers.2`…), so
/// SDXL UNet names go through the diffusers → LDM mapping. Text encoders are transformers' `CLIPTextModel` in every
/// case (`text_model.encoder.layers.N…`).
extension LoRAModelLayout {
    /// `lora_unet`, `lora_te` (SD 1.x/2.x), `lora_te1`/`lora_te2` (SDXL, two encoders).
    public func kohyaPrefix(_ component: ModelComponent) -> String {
        switch component {
        case .unet: "lora_unet"
        case .textEncoder: architecture == .sdxl ? "lora_te1" : "lora_te"
        case .textEncoder2: "lora_te2"
        }
    }

    /// The kohya name sd-scripts gives the module at `path`, or `nil` for an SDXL UNet path outside the LDM mapping.
    public func kohyaName(_ component: ModelComponent, _ path: String) -> String? {
        var modulePath = path
        if component == .unet && architecture == .sdxl {
            guard let ldm = ldmNames.ldmModulePath(path) else { return nil }
            modulePath = ldm
        }
        return Self.kohyaJoin(kohyaPrefix(component), modulePath)
    }

    static func kohyaJoin(_ prefix: String, _ path: String) -> String {
        (prefix + "." + path).replacingOccurrences(of: ".", with: "_")
    }

    /// Every name a kohya file may use for each layer, to undo the ambiguous `_` joins by lookup as ComfyUI and
    /// A1111 do: sd-scripts' own names, plus, for the SDXL UNet, the diffusers-style names other trainers write
    /// (`lora_unet_down_blocks_…`; they cannot collide with the LDM ones, which start with other block names).
    func kohyaNameIndex() -> [String: AdaptableLayerDescription] {
        var index: [String: AdaptableLayerDescription] = [:]
        for layer in layers {
            if let name = kohyaName(layer.component, layer.path) { index[name] = layer }
            if layer.component == .unet && architecture == .sdxl {
                index[Self.kohyaJoin("lora_unet", layer.path)] = layer
            }
        }
        return index
    }
}
