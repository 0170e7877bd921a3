import Foundation

/// Requests from outside a running job, checked by the trainer between steps (so each takes effect within one
/// step): stop after saving the state, cancel (stop without saving), render samples now, save a checkpoint now, save
/// the resume state now. Safe to call from any thread.
public final class TrainingControl: @unchecked Sendable {
    private let lock = NSLock()
    private var stop = false
    private var cancel = false
    private var sample = false
    private var save = false
    private var saveState = false

    public init() {}

    public func requestStop() { lock.withLock { stop = true } }
    /// Stops at the next step without saving anything: the job is being abandoned.
    public func requestCancel() { lock.withLock { cancel = true } }
    public func requestSample() { lock.withLock { sample = true } }
    public func requestCheckpoint() { lock.withLock { save = true } }
    /// Saves the resume state after the next step (the server's periodic save, so a crash loses little work).
    public func requestStateSave() { lock.withLock { saveState = true } }

    public var isStopRequested: Bool { lock.withLock { stop } }
    public var isCancelRequested: Bool { lock.withLock { cancel } }

    /// Whether a sample was requested since the last call.
    func takeSampleRequest() -> Bool {
        lock.withLock {
            defer { sample = false }
            return sample
        }
    }
    /// Whether a state save was requested since the last call.
    func takeStateSaveRequest() -> Bool {
        lock.withLock {
            defer { saveState = false }
            return saveState
        }
    }
    /// Whether a checkpoint was requested since the last call.
    func takeCheckpointRequest() -> Bool {
        lock.withLock {
            defer { save = false }
            return save
        }
    }
}
