/// One LoRA module to train or save: the layer it adapts, its kohya name, its rank and alpha.
/// The update is `ΔW = up · down · alpha / rank`.
public struct LoRAModuleSpec: Sendable, Hashable {
    public var component: ModelComponent
    /// The adapted layer's diffusers/transformers module path.
    public var path: String
    /// The name kohya's files use, e.g. `lora_unet_down_blocks_0_attentions_0_proj_in`.
    public var kohyaName: String
    public var kind: AdaptableLayerDescription.Kind
    public var rank: Int
    public var alpha: Float

    public init(
        component: ModelComponent, path: String, kohyaName: String, kind: AdaptableLayerDescription.Kind, rank: Int,
        alpha: Float
    ) {
        self.component = component
        self.path = path
        self.kohyaName = kohyaName
        self.kind = kind
        self.rank = rank
        self.alpha = alpha
    }

    /// `alpha / rank`, the factor on `up · down`.
    public var scale: Float { alpha / Float(rank) }
}
