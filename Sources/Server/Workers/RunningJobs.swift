import Synchronization
import Training

/// The jobs the workers are running now, with the handle that reaches each trainer between steps, and what each
/// worker is doing (for `GET /v1/system`). Shared by the worker pool, which fills it, and the routes.
public final class RunningJobs: Sendable {
    /// A worker and its device, with the job it runs.
    public struct Worker: Sendable, Equatable {
        public var id: String
        public var device: String
        public var jobID: String?
    }

    private struct State {
        var controls: [String: TrainingControl] = [:]
        var workers: [String: Worker] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// The trainer handle of job `id`, when a worker runs it.
    public func control(of jobID: String) -> TrainingControl? {
        state.withLock { $0.controls[jobID] }
    }

    /// Every worker, in id order.
    public var workers: [Worker] {
        state.withLock { $0.workers.values.sorted { $0.id < $1.id } }
    }

    func register(worker id: String, device: String) {
        state.withLock { $0.workers[id] = Worker(id: id, device: device, jobID: nil) }
    }

    func start(_ jobID: String, on worker: String, control: TrainingControl) {
        state.withLock {
            $0.controls[jobID] = control
            $0.workers[worker]?.jobID = jobID
        }
    }

    func finish(_ jobID: String, on worker: String) {
        state.withLock {
            $0.controls.removeValue(forKey: jobID)
            $0.workers[worker]?.jobID = nil
        }
    }

    /// Asks every running trainer to save its state and stop (a shutdown).
    func stopAll() {
        for control in state.withLock({ Array($0.controls.values) }) { control.requestStop() }
    }
}
