import Foundation

/// Requests from outside a running job, checked by the trainer between steps (so each takes effect within one
/// step): stop after saving the state, render samples now, save a checkpoint now. Safe to call from any thread.
public final class TrainingControl: @unchecked Sendable {
    private let lock = NSLock()
    private var stop = false
    private var sample = false
    private var save = false

    public init() {}

    public func requestStop() { lock.withLock { stop = true } }
    public func requestSample() { lock.withLock { sample = true } }
    public func requestCheckpoint() { lock.withLock { save = true } }

    public var isStopRequested: Bool { lock.withLock { stop } }

    /// Whether a sample was requested since the last call.
    func takeSampleRequest() -> Bool {
        lock.withLock {
            defer { sample = false }
            return sample
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
