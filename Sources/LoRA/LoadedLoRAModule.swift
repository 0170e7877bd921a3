/// One module read from a LoRA file, resolved to the model layer it adapts.
public struct LoadedLoRAModule: Sendable {
    public var component: ModelComponent
    /// The adapted layer's diffusers/transformers module path.
    public var path: String
    public var kind: AdaptableLayerDescription.Kind
    /// The down (`lora_down` / `lora_A`) weight in PyTorch's layout, `[r, in]` or `[r, in, k, k]` (OIHW), in the
    /// layer's own form (a Linear's down is `[r, in]` even if the file stored `[r, in, 1, 1]`; a LoCon Tucker
    /// module's `lora_mid` is folded into it).
    public var down: [Float]
    public var downShape: [Int]
    /// The up (`lora_up` / `lora_B`) weight, `[out, r]` or `[out, r, 1, 1]`.
    public var up: [Float]
    public var upShape: [Int]
    /// The module's alpha; `nil` when the file has none, which means alpha = rank (scale 1).
    public var alpha: Float?

    public init(
        component: ModelComponent, path: String, kind: AdaptableLayerDescription.Kind, down: [Float], downShape: [Int],
        up: [Float], upShape: [Int], alpha: Float?
    ) {
        (self.component, self.path, self.kind) = (component, path, kind)
        (self.down, self.downShape, self.up, self.upShape, self.alpha) = (down, downShape, up, upShape, alpha)
    }

    public var rank: Int { downShape[0] }
    /// `alpha / rank`, the factor on `up · down` before the user's weight.
    public var scale: Float { (alpha ?? Float(rank)) / Float(rank) }
}

/// The formats `LoRAFileReader` recognises.
public enum LoRAFileFormat: String, Sendable, CaseIterable {
    /// sd-scripts / kohya: `lora_unet_…`, `lora_te[12]_…` with `lora_down`, `lora_up`, `alpha`.
    case kohya
    /// diffusers / peft: `unet.…`, `text_encoder[_2].…` (or peft's `base_model.model.…`) with `lora_A`/`lora_B`
    /// (or the older `lora.down`/`lora.up`, `lora_linear_layer.down`/`.up`).
    case peft
}

/// A LoRA file read against a model.
public struct LoRAFileContents: Sendable {
    public var format: LoRAFileFormat
    /// In the model's layer order.
    public var modules: [LoadedLoRAModule]
    /// Keys left out because they match no layer (only when unknown keys are allowed), sorted.
    public var ignoredKeys: [String]
    public var metadata: [String: String]
}
