/// A model `config.json` that lorad cannot build: a value it does not implement, or one that is malformed.
/// Shared by every model component (UNet, VAE, text encoders); each case names the component and the field.
public enum ModelConfigError: Error, Equatable, CustomStringConvertible {
    /// A legal diffusers value that lorad does not implement (another block type, class embeddings, …).
    case unsupported(component: String, field: String, value: String)
    /// A value that cannot describe a model (wrong list length, a count that does not divide, a missing field).
    case invalid(component: String, field: String, reason: String)

    public var description: String {
        switch self {
        case .unsupported(let component, let field, let value):
            "\(component) config: \(field) = \(value) is not supported by lorad"
        case .invalid(let component, let field, let reason):
            "\(component) config: \(field) \(reason)"
        }
    }
}
