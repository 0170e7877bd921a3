import Foundation
import SafeTensors

/// Writes diffusers' `pytorch_lora_weights.safetensors` (`StableDiffusionPipeline.save_lora_weights` of peft
/// adapters): `<component>.<module path>.lora_A.weight` `[r, in(, k, k)]` and `.lora_B.weight` `[out, r(, 1, 1)]`,
/// components `unet`, `text_encoder`, `text_encoder_2`, and the metadata diffusers ≥ 0.32 reads back as each
/// component's `LoraConfig` (`loaders/lora_base.py:write_lora_layers`, `_load_sft_state_dict_metadata`):
/// `format: pt` and `lora_adapter_metadata`, `json.dumps(…, indent=2, sort_keys=True)` of
/// `{"<component>.r", ".lora_alpha", ".target_modules", ".rank_pattern", ".alpha_pattern"}`. The patterns carry the
/// modules whose rank or alpha differs from the component's most common one, so alpha ≠ rank loads correctly.
///
/// Text encoder tensors are named as transformers 4.x names the layers (`text_model.encoder.layers.N…`), which
/// every diffusers version reads (0.42 maps them onto transformers 5's flattened `CLIPTextModel`). The config's
/// module names, which peft matches as name suffixes, leave out `text_model.` so that they match both layouts.
public enum PeftLoRAFile {
    public static func serialize(_ modules: [LoRAModuleWeights], precision: LoRASavePrecision) throws -> Data {
        var writer = SafeTensorsWriter()
        for module in modules {
            let spec = module.spec
            let base = "\(spec.component.rawValue).\(spec.path)"
            try writer.add(
                base + ".lora_A.weight", shape: spec.kind.downShape(rank: spec.rank), floats: module.pytorchDown(),
                as: precision.dtype)
            try writer.add(
                base + ".lora_B.weight", shape: spec.kind.upShape(rank: spec.rank), floats: module.pytorchUp(),
                as: precision.dtype)
        }
        writer.metadata = ["format": "pt"]
        if !modules.isEmpty {
            writer.metadata["lora_adapter_metadata"] = adapterMetadata(modules.map(\.spec)).json(indent: 2)
        }
        return try writer.serialized()
    }

    public static func write(_ modules: [LoRAModuleWeights], precision: LoRASavePrecision, to url: URL) throws {
        try serialize(modules, precision: precision).write(to: url, options: .atomic)
    }

    /// Each component's `LoraConfig` fields under its prefix, keys sorted at every level as `sort_keys` does.
    static func adapterMetadata(_ specs: [LoRAModuleSpec]) -> PythonValue {
        var entries: [(String, PythonValue)] = []
        for component in ModelComponent.allCases {
            let members = specs.filter { $0.component == component }
            guard !members.isEmpty else { continue }
            let rank = mostCommon(members.map(\.rank))
            let alpha = mostCommon(members.map(\.alpha))
            let prefix = component.rawValue + "."
            func name(_ spec: LoRAModuleSpec) -> String {
                spec.component != .unet && spec.path.hasPrefix("text_model.")
                    ? String(spec.path.dropFirst("text_model.".count)) : spec.path
            }
            entries.append((prefix + "r", .int(rank)))
            entries.append((prefix + "lora_alpha", number(alpha)))
            entries.append((prefix + "target_modules", .list(members.map(name).sorted().map { .string($0) })))
            let rankPattern = members.filter { $0.rank != rank }.map { (name($0), PythonValue.int($0.rank)) }
            let alphaPattern = members.filter { $0.alpha != alpha }.map { (name($0), number($0.alpha)) }
            entries.append((prefix + "rank_pattern", .dict(rankPattern.sorted { $0.0 < $1.0 })))
            entries.append((prefix + "alpha_pattern", .dict(alphaPattern.sorted { $0.0 < $1.0 })))
        }
        return .dict(entries.sorted { $0.0 < $1.0 })
    }

    /// The most frequent value, the first seen among equals (as `collections.Counter.most_common`).
    private static func mostCommon<T: Hashable>(_ values: [T]) -> T {
        var counts: [T: Int] = [:]
        for value in values { counts[value, default: 0] += 1 }
        var best = values[0]
        for value in values where counts[value]! > counts[best]! { best = value }
        return best
    }

    /// peft stores integral alphas as ints.
    private static func number(_ value: Float) -> PythonValue {
        // Through Float's shortest digits, so 0.1 stays 0.1 rather than its widened binary value.
        value == value.rounded() && abs(value) < 1e15 ? .int(Int(value)) : .float(Double("\(value)") ?? Double(value))
    }
}
