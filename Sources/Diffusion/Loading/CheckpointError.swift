/// A model folder or checkpoint file that lorad cannot load. Every case names the file and says what was expected.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The path is not a Stable Diffusion model at all; `expected` says what lorad looks for.
    case notAModel(path: String, expected: String)
    /// A file that the model needs is absent.
    case missingFile(path: String, expected: String)
    /// A file exists but cannot be read as what it should be (bad JSON, an unreadable safetensors header, …).
    case malformed(path: String, reason: String)
    /// A legal model of a kind that lorad does not implement (an SDXL refiner, a class-conditioned UNet, …).
    case unsupported(path: String, reason: String)
    /// The weights of one component do not fit its architecture.
    case parameters(component: String, path: String, problems: ParameterProblems)

    public var description: String {
        switch self {
        case .notAModel(let path, let expected):
            "\(path) is not a Stable Diffusion model: expected \(expected)"
        case .missingFile(let path, let expected):
            "\(path) does not exist: expected \(expected)"
        case .malformed(let path, let reason):
            "\(path) cannot be read: \(reason)"
        case .unsupported(let path, let reason):
            "\(path) is not supported: \(reason)"
        case .parameters(let component, let path, let problems):
            "\(path): the \(component) weights do not match its architecture:\n\(problems)"
        }
    }
}
