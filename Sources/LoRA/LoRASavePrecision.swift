import SafeTensors

/// sd-scripts' `save_precision`: the element type of every tensor in a saved LoRA file, alphas included.
public enum LoRASavePrecision: String, Sendable, CaseIterable {
    case float
    case fp16
    case bf16

    public var dtype: SafeTensorsDType {
        switch self {
        case .float: .float32
        case .fp16: .float16
        case .bf16: .bfloat16
        }
    }
}
