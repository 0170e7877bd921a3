import Tensors

extension Activation {
    /// The activation a diffusers config names (`act_fn` and friends; diffusers `models/activations.py`
    /// `get_activation`). "swish" is diffusers' other name for SiLU; its "mish" and "relu" are not implemented.
    public init(configName: String, component: String, field: String) throws {
        switch configName {
        case "silu", "swish": self = .silu
        case "gelu": self = .gelu
        default: throw ModelConfigError.unsupported(component: component, field: field, value: "\"\(configName)\"")
        }
    }
}
