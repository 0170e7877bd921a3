import Foundation
import GRDB
import Logging
import Store
import Training

/// Turns a running job's `TrainingEvent`s into rows: its events, progress, samples, checkpoints and resume state,
/// each blob stored before the transaction that references it. Called on the trainer's thread; a failed write is
/// logged and training goes on (the next event tries again). Once the job is no longer running (a cancel within the
/// step) nothing more is written, so the final state stays its last event; a deleted job is canceled.
final class JobRecorder: Sendable {
    let jobID: String
    let services: ServerServices
    let control: TrainingControl
    let logger: Logger

    init(jobID: String, services: ServerServices, control: TrainingControl, logger: Logger) {
        self.jobID = jobID
        self.services = services
        self.control = control
        self.logger = logger
    }

    func record(_ event: TrainingEvent) {
        do {
            try store(event)
            services.changes.publish(.job(id: jobID))
        } catch StoreError.jobNotFound {
            control.requestCancel()
        } catch is JobNotRunning {
            return
        } catch {
            logger.error("cannot record a job event", metadata: ["job": "\(jobID)", "error": "\(error)"])
        }
    }

    private func store(_ event: TrainingEvent) throws {
        switch event {
        case .phase(.loadingModel):
            try append(.phase(JobPhaseEvent(phase: .loadingModel)))
        case .phase(.cachingLatents(let done, let total)):
            // A few reports, not one per image.
            let tenth = max(total / 10, 1)
            guard done == 0 || done == total || done % tenth == 0 else { return }
            try append(.phase(JobPhaseEvent(phase: .cachingLatents, done: done, total: total)))
        case .phase(.training):
            try write { db in
                if try Job.transition(jobID, from: [.preparing], to: .training, db) != nil {
                    try JobEventLog.append(jobID, .state(JobStateEvent(state: .training)), db)
                }
            }
        case .phase(.stopped), .phase(.canceled), .phase(.finished):
            // The worker records how the run ended, once the trainer has returned.
            return
        case .progress(let progress):
            let payload = JobProgress(progress)
            let json = String(decoding: try JSONResponse.encode(payload), as: UTF8.self)
            try write { db in
                try db.execute(
                    sql: "UPDATE jobs SET progress = ?, heartbeat_at = ? WHERE id = ?",
                    arguments: [json, UnixMilliseconds.now(), jobID])
                try JobEventLog.append(jobID, .progress(payload), db)
            }
            PrometheusMetrics.trainingSteps.increment()
        case .validation(let step, let loss):
            try append(.validation(step: step, loss: loss))
        case .sample(let sample):
            let blob = try services.blobs.put(sample.png, mediaType: "image/png")
            try write { db in
                try blob.register(db)
                let row = Sample(
                    jobID: jobID, step: sample.step, epoch: sample.epoch, promptIndex: sample.promptIndex,
                    prompt: sample.prompt, blobSHA256: blob.sha256, createdAt: UnixMilliseconds.now())
                try row.upsert(db)
                try JobEventLog.append(jobID, .sample(JobSampleEvent(row)), db)
            }
        case .checkpoint(let checkpoint):
            let blob = try services.blobs.put(contentsOf: checkpoint.url, mediaType: "application/octet-stream")
            try write { db in
                try blob.register(db)
                let row = Checkpoint(
                    jobID: jobID, name: checkpoint.url.lastPathComponent, step: checkpoint.step,
                    epoch: checkpoint.epoch, blobSHA256: blob.sha256, isFinal: checkpoint.isFinal,
                    createdAt: UnixMilliseconds.now())
                // The same name saved again (a resumed run) replaces the earlier row.
                try db.execute(
                    sql: "DELETE FROM checkpoints WHERE job_id = ? AND name = ?", arguments: [jobID, row.name])
                try row.upsert(db)
                try JobEventLog.append(jobID, .checkpoint(JobCheckpointEvent(row, size: blob.size)), db)
            }
        case .stateSaved(let step, let folder):
            let blob = try services.blobs.put(
                contentsOf: folder.appendingPathComponent(Trainer.resumeStateFileName),
                mediaType: "application/octet-stream")
            try write { db in
                try blob.register(db)
                try db.execute(
                    sql: "UPDATE jobs SET resume_state_sha256 = ? WHERE id = ?", arguments: [blob.sha256, jobID])
                guard db.changesCount > 0 else { throw StoreError.jobNotFound(id: jobID) }
                try JobEventLog.append(jobID, .log(level: .info, message: "saved the resume state at step \(step)"), db)
            }
        case .log(let level, let message):
            try append(.log(level: level, message: message))
        }
    }

    private func append(_ payload: JobEventPayload) throws {
        try write { db in _ = try JobEventLog.append(jobID, payload, db) }
    }

    /// A write transaction that first checks that the job is still running.
    private func write(_ body: (Database) throws -> Void) throws {
        try services.database.writer.write { db in
            guard let state = try JobState.fetchOne(db, sql: "SELECT state FROM jobs WHERE id = ?", arguments: [jobID])
            else { throw StoreError.jobNotFound(id: jobID) }
            guard state == .preparing || state == .training else { throw JobNotRunning() }
            try body(db)
        }
    }

    private struct JobNotRunning: Error {}
}
