/// The pipeline component an adapted layer belongs to, spelled as diffusers names the pipeline's sub-folders and
/// prefixes the keys of its LoRA files.
public enum ModelComponent: String, Sendable, CaseIterable, Comparable {
    case unet
    case textEncoder = "text_encoder"
    case textEncoder2 = "text_encoder_2"

    /// The component of the `index`-th text encoder of a pipeline (0-based).
    public static func textEncoder(at index: Int) -> ModelComponent? {
        switch index {
        case 0: .textEncoder
        case 1: .textEncoder2
        default: nil
        }
    }

    /// Text encoders first, then the UNet: the order in which sd-scripts builds and saves its modules.
    private var order: Int {
        switch self {
        case .textEncoder: 0
        case .textEncoder2: 1
        case .unet: 2
        }
    }

    public static func < (lhs: ModelComponent, rhs: ModelComponent) -> Bool { lhs.order < rhs.order }
}
