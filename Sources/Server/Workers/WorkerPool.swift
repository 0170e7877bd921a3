import Foundation
import GRDB
import Logging
import ServiceLifecycle
import Store
import Synchronization
import Tensors
import Training

/// The training workers, one per device: each claims the next queued job, runs it on a thread of its own, records
/// how it ended, and waits for the next. On a graceful shutdown every running job saves its state and goes back to
/// the queue, to continue at the next start.
public final class WorkerPool: Service, Sendable {
    /// One worker's device.
    public struct Device: Sendable {
        /// Shown in `GET /v1/system`: `cpu`, `cuda:0`, …
        public var name: String
        /// Makes the backend a job runs on (one per job, so nothing of a failed job lingers).
        public var makeBackend: @Sendable () throws -> any Backend

        public init(name: String, makeBackend: @escaping @Sendable () throws -> any Backend) {
            self.name = name
            self.makeBackend = makeBackend
        }

        public static let cpu = Device(name: "cpu") { CPUBackend() }
    }

    /// How often a running job saves its resume state (so a crash loses at most this much work), the heartbeat, and
    /// how often an idle worker looks at the queue when no news wakes it.
    public struct Timing: Sendable {
        public var stateSaveInterval: Duration
        public var heartbeatInterval: Duration = .seconds(10)
        public var idlePollInterval: Duration = .seconds(5)

        public init(stateSaveInterval: Duration = .seconds(300)) {
            self.stateSaveInterval = stateSaveInterval
        }
    }

    let services: ServerServices
    let devices: [Device]
    let timing: Timing
    let logger: Logger
    private let shuttingDown = Mutex(false)

    public init(
        services: ServerServices, devices: [Device], timing: Timing = Timing(), logger: Logger
    ) {
        self.services = services
        self.devices = devices
        self.timing = timing
        self.logger = logger
    }

    var isShuttingDown: Bool { shuttingDown.withLock { $0 } }

    public func run() async throws {
        // A graceful shutdown and a cancellation both stop the running jobs after they save their state.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withTaskGroup(of: Void.self) { group in
                    for (index, device) in devices.enumerated() {
                        let id = "worker-\(index)"
                        services.running.register(worker: id, device: device.name)
                        group.addTask { await self.work(as: id, on: device) }
                    }
                }
            } onGracefulShutdown: {
                self.shutDown()
            }
        } onCancel: {
            self.shutDown()
        }
    }

    private func shutDown() {
        shuttingDown.withLock { $0 = true }
        services.running.stopAll()
    }

    private func work(as workerID: String, on device: Device) async {
        let wakes = WakeStream(changes: services.changes, heartbeat: timing.idlePollInterval)
        var iterator = wakes.makeAsyncIterator()
        while !isShuttingDown {
            // Grids first: someone waits to compare a finished job's checkpoints, and a grid takes far less time
            // than a job.
            if let grid = await claimGrid(as: workerID) {
                await render(grid, as: workerID, on: device)
                continue
            }
            let job: Job?
            do {
                job = try await services.database.writer.write { db in
                    guard let job = try Job.claimNext(worker: workerID, db) else { return nil }
                    try JobEventLog.append(job.id, .state(JobStateEvent(state: .preparing)), db)
                    return job
                }
            } catch {
                logger.error("cannot claim a job", metadata: ["worker": "\(workerID)", "error": "\(error)"])
                job = nil
            }
            if let job {
                services.changes.publish(.job(id: job.id))
                await run(job, as: workerID, on: device)
                continue
            }
            if await iterator.next() == nil {
                // The hub closed (a shutdown under way): poll until this pool is told too.
                do { try await Task.sleep(for: timing.idlePollInterval) } catch { return }
            }
        }
    }

    private func run(_ job: Job, as workerID: String, on device: Device) async {
        logger.info("job started", metadata: ["job": "\(job.id)", "worker": "\(workerID)"])
        let control = TrainingControl()
        services.running.start(job.id, on: workerID, control: control)
        defer { services.running.finish(job.id, on: workerID) }
        // A shutdown that began while the job was being claimed still reaches it.
        if isShuttingDown { control.requestStop() }

        let timers = Task {
            await withTaskGroup(of: Void.self) { group in
                // A cancelled sleep throws: the loops end without a last save request or heartbeat.
                group.addTask {
                    while (try? await Task.sleep(for: self.timing.stateSaveInterval)) != nil {
                        control.requestStateSave()
                    }
                }
                group.addTask {
                    while (try? await Task.sleep(for: self.timing.heartbeatInterval)) != nil {
                        _ = try? await self.services.database.writer.write { db in
                            try db.execute(
                                sql: "UPDATE jobs SET heartbeat_at = ? WHERE id = ? AND worker = ?",
                                arguments: [UnixMilliseconds.now(), job.id, workerID])
                        }
                    }
                }
            }
        }
        let services = self.services
        let logger = self.logger
        let outcome = await Self.onOwnThread {
            do {
                let execution = JobExecution(
                    job: job, services: services, backend: try device.makeBackend(),
                    control: control, logger: logger)
                return execution.run()
            } catch {
                return .failed("the device \(device.name) is not usable: \(error)")
            }
        }
        timers.cancel()
        do {
            if let grid = try await record(outcome, of: job.id) {
                services.changes.publish(.grid(jobID: job.id, gridID: grid.id))
            }
        } catch {
            logger.error(
                "cannot record the end of a job",
                metadata: ["job": "\(job.id)", "outcome": "\(outcome)", "error": "\(error)"])
        }
        services.changes.publish(.job(id: job.id))
        PrometheusMetrics.jobRuns(outcome: outcome.label).increment()
        logger.info("job ended", metadata: ["job": "\(job.id)", "worker": "\(workerID)", "outcome": "\(outcome)"])
    }

    /// Writes how the run ended, unless someone moved the job first (a cancel, which already wrote its state).
    /// Returns the default grid queued for a job that succeeded.
    private func record(_ outcome: JobExecution.Outcome, of id: String) async throws -> Grid? {
        let running: Set<JobState> = [.preparing, .training]
        return try await services.database.writer.write { db in
            switch outcome {
            case .finished:
                guard try Job.transition(id, from: running, to: .succeeded, db) != nil else { return nil }
                let grid = try DefaultGrid.queue(forJob: id, db)
                try JobEventLog.append(id, .state(JobStateEvent(state: .succeeded)), db)
                return grid
            case .stopped:
                if try Job.transition(id, from: running, to: .queued, db) != nil {
                    try JobEventLog.append(
                        id, .log(level: .notice, message: "the server stopped; the job continues from its saved state"),
                        db)
                    try JobEventLog.append(id, .state(JobStateEvent(state: .queued)), db)
                }
            case .canceled:
                break
            case .failed(let reason):
                if try Job.transition(id, from: running, to: .failed, error: reason, db) != nil {
                    try JobEventLog.append(id, .error(message: reason), db)
                    try JobEventLog.append(id, .state(JobStateEvent(state: .failed, error: reason)), db)
                }
            }
            return nil
        }
    }

    /// Runs `body` on a new thread with a large stack (training is long and blocking: it must not hold one of the
    /// few cooperative threads of Swift concurrency).
    static func onOwnThread<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.stackSize = 16 << 20
            thread.start()
        }
    }
}
