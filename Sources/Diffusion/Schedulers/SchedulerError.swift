/// Why a scheduler cannot be built from a config.
public enum SchedulerError: Error, CustomStringConvertible, Equatable {
    /// A config value lorad does not implement (`key`, `value`).
    case unsupported(String, String)
    /// A config value or step count that diffusers would also reject or mis-index (`key`, `detail`).
    case invalid(String, String)

    public var description: String {
        switch self {
        case .unsupported(let key, let value): "scheduler option \(key) = \(value) is not supported"
        case .invalid(let key, let detail): "invalid scheduler setting \(key): \(detail)"
        }
    }
}
