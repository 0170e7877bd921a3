import GRDB

/// Where a job is in its life: queued, then claimed by a worker (preparing: loading the model, caching latents), then
/// training, then one of the three final states.
public enum JobState: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case queued, preparing, training, succeeded, failed, canceled

    /// Whether the job is over (no worker will touch it again).
    public var isFinal: Bool {
        switch self {
        case .succeeded, .failed, .canceled: return true
        case .queued, .preparing, .training: return false
        }
    }
}
