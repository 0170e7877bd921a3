/// What can be wrong with a LoRA file, a module list or the weights handed to a writer. Each message names the file,
/// key or module and says why.
public enum LoRAFormatError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The model description cannot be used (e.g. too many text encoders).
    case invalidLayout(reason: String)
    /// An option out of range.
    case invalidOption(name: String, reason: String)
    /// Weights handed to a writer do not fit their module.
    case invalidWeights(module: String, reason: String)
    /// Keys that are no LoRA tensor of a known layer of the model (listed, sorted).
    case unknownKeys(file: String, keys: [String])
    /// A module has one of its tensors but not the other.
    case missingTensor(file: String, key: String)
    /// A tensor's shape does not fit the layer it adapts.
    case shapeMismatch(file: String, key: String, expected: [Int], found: [Int])
    /// A tensor that cannot be used, e.g. an alpha with several elements, or a non-float dtype.
    case invalidTensor(file: String, key: String, reason: String)
    /// A LoRA form that lorad does not apply (e.g. a Tucker middle weight on a Linear).
    case unsupported(file: String, key: String, reason: String)
    /// `lora_adapter_metadata` is not the JSON object diffusers writes.
    case invalidMetadata(file: String, key: String, reason: String)
    /// A `FILE[:WEIGHT]` argument whose weight is not a number.
    case invalidArgument(String, reason: String)

    public var description: String {
        switch self {
        case .invalidLayout(let reason): "invalid model layout: \(reason)"
        case .invalidOption(let name, let reason): "option \(name): \(reason)"
        case .invalidWeights(let module, let reason): "LoRA module '\(module)': \(reason)"
        case .unknownKeys(let file, let keys):
            "\(file): \(keys.count) key\(keys.count == 1 ? "" : "s") match no layer of the model: "
                + keys.prefix(20).joined(separator: ", ") + (keys.count > 20 ? ", …" : "")
        case .missingTensor(let file, let key): "\(file): missing tensor '\(key)'"
        case .shapeMismatch(let file, let key, let expected, let found):
            "\(file): tensor '\(key)' has shape \(found), the layer needs \(expected)"
        case .invalidTensor(let file, let key, let reason): "\(file): tensor '\(key)': \(reason)"
        case .unsupported(let file, let key, let reason): "\(file): tensor '\(key)': \(reason) is not supported"
        case .invalidMetadata(let file, let key, let reason): "\(file): metadata '\(key)': \(reason)"
        case .invalidArgument(let argument, let reason): "LoRA argument '\(argument)': \(reason)"
        }
    }
}
