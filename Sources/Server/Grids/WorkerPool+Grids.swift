import Logging
import Store

extension WorkerPool {
    /// Takes the oldest queued grid; nil when none is queued (or the claim failed, which is logged).
    func claimGrid(as workerID: String) async -> Grid? {
        do {
            return try await services.database.writer.write { db in try Grid.claimNext(db) }
        } catch {
            logger.error("cannot claim a grid", metadata: ["worker": "\(workerID)", "error": "\(error)"])
            return nil
        }
    }

    /// Renders a claimed grid on a thread of its own and records how it ended: succeeded, failed with its reason,
    /// or (a shutdown) queued again to continue at the next start.
    func render(_ grid: Grid, as workerID: String, on device: Device) async {
        logger.info("grid started", metadata: ["grid": "\(grid.id)", "job": "\(grid.jobID)", "worker": "\(workerID)"])
        services.changes.publish(.grid(jobID: grid.jobID, gridID: grid.id))
        let services = self.services
        let outcome = await Self.onOwnThread { [self] in
            do {
                return GridRendering(
                    grid: grid, services: services, backend: try device.makeBackend(),
                    shouldStop: { self.isShuttingDown }
                ).run()
            } catch {
                return .failed("the device \(device.name) is not usable: \(error)")
            }
        }
        do {
            try await services.database.writer.write { db in
                switch outcome {
                case .finished: _ = try Grid.finishRendering(grid.id, to: .succeeded, db)
                case .stopped: _ = try Grid.finishRendering(grid.id, to: .queued, db)
                case .failed(let reason): _ = try Grid.finishRendering(grid.id, to: .failed, error: reason, db)
                case .gone: break
                }
            }
        } catch {
            logger.error(
                "cannot record the end of a grid",
                metadata: ["grid": "\(grid.id)", "outcome": "\(outcome)", "error": "\(error)"])
        }
        services.changes.publish(.grid(jobID: grid.jobID, gridID: grid.id))
        logger.info("grid ended", metadata: ["grid": "\(grid.id)", "worker": "\(workerID)", "outcome": "\(outcome)"])
    }
}
