import Diffusion
import Foundation
import GRDB
import Imaging
import LoRA
import Store
import Tensors
import Training

/// One run of a claimed grid, on the calling thread (it blocks until every cell is stored or it stops): the job's
/// base model is loaded once; each checkpoint's LoRA is attached as `lorad sample --lora FILE:WEIGHT` attaches it and
/// set to each weight in turn; each prompt is rendered with the job's sample settings, and each image stored as a
/// blob and a row (and announced) before the next. Cells already stored, by an earlier run a crash or shutdown
/// interrupted, are kept and skipped.
struct GridRendering {
    enum Outcome: Sendable, Equatable {
        case finished
        /// Stopped for a shutdown; the grid goes back to the queue.
        case stopped
        /// The grid was deleted with its job while it rendered.
        case gone
        case failed(String)
    }

    let grid: Grid
    let services: ServerServices
    let backend: any Backend
    /// Asked between images and between denoising steps: true stops the run (a shutdown).
    let shouldStop: @Sendable () -> Bool

    func run() -> Outcome {
        do {
            try render()
            return .finished
        } catch is CancellationError {
            return .stopped
        } catch is GridGone {
            return .gone
        } catch let error as ConfigError {
            return .failed(
                "the job's options no longer load: \(error.issues.map(\.description).joined(separator: "; "))")
        } catch {
            return .failed(String(describing: error))
        }
    }

    private struct CellKey: Hashable {
        var promptIndex: Int
        var checkpoint: String
        var weight: Double
    }

    private struct GridGone: Error {}

    private struct RenderingError: Error, CustomStringConvertible {
        let description: String
    }

    private func render() throws {
        let (job, model, checkpoints, stored) = try services.database.writer.read { db in
            let job = try Job.fetchOne(db, key: grid.jobID)
            let model = try job.flatMap { try BaseModel.fetchOne(db, key: $0.modelID) }
            let checkpoints = try GridsController.checkpoints(ofJob: grid.jobID, db)
            let stored = try GridCell.filter(Column("grid_id") == grid.id).fetchAll(db).map {
                CellKey(promptIndex: $0.promptIndex, checkpoint: $0.checkpoint, weight: $0.weight)
            }
            return (job, model, checkpoints, Set(stored))
        }
        guard let job else { throw GridGone() }
        guard let model, FileManager.default.fileExists(atPath: model.path) else {
            throw RenderingError(description: "the base model \(job.modelID) is no longer in the models folder")
        }
        let spec = try GridSpec.decode(grid.spec)
        let settings = try GridJobSettings(job: job)
        let prompts = try spec.prompts.enumerated().map { try settings.prompt($1, index: $0) }

        let loaded = try StableDiffusionModel.load(from: URL(fileURLWithPath: model.path), backend: backend)
        let pipeline = try TextToImagePipeline(model: loaded)
        let layers = loaded.adaptableLayers
        for name in spec.checkpoints {
            let missing = spec.weights.flatMap { weight in
                prompts.map { CellKey(promptIndex: $0.index, checkpoint: name, weight: weight) }
            }.filter { !stored.contains($0) }
            guard !missing.isEmpty else { continue }
            guard let checkpoint = checkpoints.first(where: { $0.name == name }) else {
                throw RenderingError(description: "the job no longer has the checkpoint \(name)")
            }
            let network = try LoRANetwork.attach(
                contentsOf: try services.blobs.url(for: checkpoint.blobSHA256), to: loaded, multiplier: 1,
                on: backend)
            defer { for layer in layers.values { layer.detachAll() } }
            for weight in spec.weights {
                for entry in network.entries { entry.module.multiplier = Float(weight) }
                for prompt in prompts {
                    let key = CellKey(promptIndex: prompt.index, checkpoint: name, weight: weight)
                    guard !stored.contains(key) else { continue }
                    guard !shouldStop() else { throw CancellationError() }
                    var request = settings.config.sampleRequest(
                        for: prompt, runSeed: settings.runSeed, architecture: loaded.architecture)
                    if let seed = spec.seed { request.seed = UInt64(seed) }
                    let result = try pipeline(request) { _, _ in !shouldStop() }
                    let image = Image(
                        width: request.width, height: request.height, channels: 3,
                        unitValues: backend.download(result.image))
                    let png = try PNGEncoder.encode(
                        image,
                        text: [
                            (keyword: "parameters", value: request.infotext),
                            (keyword: "lora", value: "\(name):\(weight)"),
                        ])
                    try store(key, png: png)
                }
            }
        }
    }

    /// Stores one image: the blob first, then its row in a transaction that checks the grid is still rendering.
    private func store(_ key: CellKey, png: Data) throws {
        let blob = try services.blobs.put(png, mediaType: "image/png")
        let cell = GridCell(
            gridID: grid.id, promptIndex: key.promptIndex, checkpoint: key.checkpoint, weight: key.weight,
            blobSHA256: blob.sha256, createdAt: UnixMilliseconds.now())
        guard try services.database.writer.write({ db in try Grid.store(cell, blob: blob, db) }) else {
            throw GridGone()
        }
        services.changes.publish(.grid(jobID: grid.jobID, gridID: grid.id))
    }
}
