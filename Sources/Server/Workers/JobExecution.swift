import Foundation
import GRDB
import Logging
import Store
import Tensors
import Training

/// One run of a claimed job, start to end, on the calling thread (it blocks for the whole training): the work
/// folder, the dataset and resume state on disk, the config with the server's paths, then the trainer.
struct JobExecution {
    enum Outcome: Sendable, Equatable {
        case finished
        /// Stopped for a shutdown after saving its state.
        case stopped
        case canceled
        case failed(String)

        /// The metrics label.
        var label: String {
            switch self {
            case .finished: "finished"
            case .stopped: "stopped"
            case .canceled: "canceled"
            case .failed: "failed"
            }
        }
    }

    let job: Job
    let services: ServerServices
    let backend: any Backend
    let control: TrainingControl
    let logger: Logger

    func run() -> Outcome {
        let work = services.workFolder(ofJob: job.id)
        defer { try? FileManager.default.removeItem(at: work) }
        do {
            let trainer = try prepare(in: work)
            if try trainer.run() { return .finished }
            return control.isCancelRequested ? .canceled : .stopped
        } catch let error as ConfigError {
            return .failed(
                "the job's options no longer load: \(error.issues.map(\.description).joined(separator: "; "))")
        } catch {
            return control.isCancelRequested ? .canceled : .failed(String(describing: error))
        }
    }

    private func prepare(in work: URL) throws -> Trainer {
        try? FileManager.default.removeItem(at: work)
        let datasetFolder = work.appendingPathComponent("dataset", isDirectory: true)
        let outputFolder = work.appendingPathComponent("output", isDirectory: true)
        for folder in [datasetFolder, outputFolder] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        guard let model = try services.database.writer.read({ db in try BaseModel.fetchOne(db, key: job.modelID) }),
            FileManager.default.fileExists(atPath: model.path)
        else {
            throw ExecutionError("the base model \(job.modelID) is no longer in the models folder")
        }
        try DatasetMaterializer(database: services.database, blobs: services.blobs)
            .materialize(datasetID: job.datasetID, into: datasetFolder)

        var resumeFolder: URL?
        if let state = job.resumeStateSHA256 {
            let folder = work.appendingPathComponent("resume", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                at: try services.blobs.url(for: state), to: folder.appendingPathComponent(Trainer.resumeStateFileName))
            resumeFolder = folder
        }
        let options = JobOptions.withServerPaths(
            try JobOptions.decode(job.config), modelPath: model.path, datasetFolder: datasetFolder,
            outputFolder: outputFolder, resumeFolder: resumeFolder)
        let loaded = try TrainingConfig.decode(options: options, baseDirectory: work.path)
        let recorder = JobRecorder(jobID: job.id, services: services, control: control, logger: logger)
        return Trainer(
            config: loaded.config, backend: backend, control: control,
            cacheDirectory: work.appendingPathComponent("latent-cache", isDirectory: true)
        ) { recorder.record($0) }
    }

    struct ExecutionError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
