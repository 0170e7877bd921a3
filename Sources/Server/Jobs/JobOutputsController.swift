import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import Store

/// A job's outputs: its metrics series, sample images and checkpoint files.
struct JobOutputsController: Sendable {
    let services: ServerServices

    func addRoutes(to router: Router<some RequestContext>) {
        let job = router.group("v1/jobs/:id")
        job.get("metrics", use: metrics)
        job.get("samples", use: samples)
        job.get("samples/:step/:image", use: sampleImage)
        job.get("checkpoints", use: checkpoints)
        job.get("checkpoints/:name", use: checkpointFile)
    }

    struct Metrics: Encodable {
        struct Validation: Encodable {
            var steps: [Int] = []
            var loss: [Float] = []
        }
        var steps: [Int] = []
        var loss: [Float] = []
        var smoothedLoss: [Float] = []
        var learningRates: [String: [Float]] = [:]
        var validation = Validation()

        enum CodingKeys: String, CodingKey {
            case steps, loss, validation
            case smoothedLoss = "smoothed_loss"
            case learningRates = "learning_rates"
        }
    }

    private struct ValidationPoint: Decodable {
        var step: Int
        var loss: Float
    }

    /// The loss and learning-rate series from the job's progress events. A job resumed after a crash repeats the
    /// steps after its last saved state: the later report of a step wins.
    @Sendable func metrics(_ request: Request, context: some RequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let events = try await services.database.writer.read { db in
            _ = try JobsController.job(id, db)
            return try JobEvent.filter(Column("job_id") == id && ["progress", "validation"].contains(Column("type")))
                .order(Column("seq")).fetchAll(db)
        }
        var progressByStep: [Int: JobProgress] = [:]
        var validationByStep: [Int: Float] = [:]
        let decoder = JSONDecoder()
        for event in events {
            let data = Data(event.data.utf8)
            if event.type == "progress", let progress = try? decoder.decode(JobProgress.self, from: data) {
                progressByStep[progress.step] = progress
            } else if let validation = try? decoder.decode(ValidationPoint.self, from: data) {
                validationByStep[validation.step] = validation.loss
            }
        }
        var metrics = Metrics()
        let steps = progressByStep.keys.sorted()
        let groups = Set(progressByStep.values.flatMap(\.learningRates.keys))
        for step in steps {
            let progress = progressByStep[step]!
            metrics.steps.append(step)
            metrics.loss.append(progress.loss)
            metrics.smoothedLoss.append(progress.smoothedLoss)
            for group in groups { metrics.learningRates[group, default: []].append(progress.learningRates[group] ?? 0) }
        }
        for step in validationByStep.keys.sorted() {
            metrics.validation.steps.append(step)
            metrics.validation.loss.append(validationByStep[step]!)
        }
        return try JSONResponse.make(metrics)
    }

    @Sendable func samples(_ request: Request, context: some RequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let samples = try await services.database.writer.read { db in
            _ = try JobsController.job(id, db)
            return try Sample.filter(Column("job_id") == id).order(Column("step"), Column("prompt_index")).fetchAll(db)
        }
        return try JSONResponse.make(["samples": samples.map(JobSampleEvent.init)])
    }

    /// `GET /v1/jobs/{id}/samples/{step}/{prompt_index}.png`.
    @Sendable func sampleImage(_ request: Request, context: some RequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let image = try context.parameters.require("image")
        guard let step = Int(try context.parameters.require("step")), image.hasSuffix(".png"),
            let promptIndex = Int(image.dropLast(4))
        else {
            throw ProblemError(
                .notFound, detail: "sample images are at /v1/jobs/{id}/samples/{step}/{prompt_index}.png")
        }
        let sample = try await services.database.writer.read { db in
            _ = try JobsController.job(id, db)
            return try Sample.fetchOne(db, key: ["job_id": id, "step": step, "prompt_index": promptIndex])
        }
        guard let sample else {
            throw ProblemError(.notFound, detail: "job \(id) has no sample \(promptIndex) at step \(step)")
        }
        return try await blobResponse(
            sample.blobSHA256, mediaType: "image/png", request: request, context: context,
            // The sample of a step may be rendered again after a resume: revalidate rather than cache forever.
            cacheControl: "no-cache")
    }

    struct CheckpointItem: Encodable {
        var name: String
        var step: Int
        var epoch: Int
        var isFinal: Bool
        var size: Int64
        var sha256: String
        var url: String

        enum CodingKeys: String, CodingKey {
            case name, step, epoch, size, sha256, url
            case isFinal = "is_final"
        }
    }

    @Sendable func checkpoints(_ request: Request, context: some RequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let items = try await services.database.writer.read { db in
            _ = try JobsController.job(id, db)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.*, b.size AS size FROM checkpoints AS c JOIN blobs AS b ON b.sha256 = c.blob_sha256
                    WHERE c.job_id = ? ORDER BY c.step, c.is_final, c.name
                    """,
                arguments: [id])
            return try rows.map { row in
                JobCheckpointEvent(try Checkpoint(row: row), size: row["size"])
            }
        }
        return try JSONResponse.make(["checkpoints": items])
    }

    @Sendable func checkpointFile(_ request: Request, context: some RequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let name = try context.parameters.require("name")
        let checkpoint = try await services.database.writer.read { db in
            _ = try JobsController.job(id, db)
            return try Checkpoint.filter(Column("job_id") == id && Column("name") == name).fetchOne(db)
        }
        guard let checkpoint else { throw ProblemError(.notFound, detail: "job \(id) has no checkpoint \"\(name)\"") }
        var response = try await blobResponse(
            checkpoint.blobSHA256, mediaType: "application/octet-stream", request: request, context: context,
            cacheControl: "private, max-age=31536000, immutable")
        response.headers[.contentDisposition] = "attachment; filename=\"\(checkpoint.name)\""
        return response
    }

    /// A blob as a response: `ETag` (its sha256, which never changes for a digest), `If-None-Match`, one-part
    /// `Range` requests, and the digest in `X-Checksum-SHA256` for clients that verify downloads.
    func blobResponse(
        _ sha256: String, mediaType: String, request: Request, context: some RequestContext, cacheControl: String
    ) async throws -> Response {
        let url = try services.blobs.url(for: sha256)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
            let size = (attributes[.size] as? NSNumber)?.intValue
        else {
            throw ProblemError(.internalServerError, detail: "the stored file is missing")
        }
        let etag = "\"\(sha256)\""
        var headers: HTTPFields = [
            .eTag: etag, .acceptRanges: "bytes", .cacheControl: cacheControl,
            HTTPField.Name("X-Checksum-SHA256")!: sha256,
        ]
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag || $0 == "*" }
            )
        {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = mediaType
        // A Range only counts when If-Range (if sent) still names this representation.
        let ifRange = request.headers[.ifRange]
        let rangeHeader = ifRange == nil || ifRange == etag ? request.headers[.range] : nil
        switch ByteRange.parse(rangeHeader, size: size) {
        case .whole:
            headers[.contentLength] = String(size)
            let body = try await FileIO().loadFile(path: url.path, context: context)
            return Response(status: .ok, headers: headers, body: body)
        case .part(let range):
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            headers[.contentLength] = String(range.count)
            let body = try await FileIO().loadFile(path: url.path, range: range, context: context)
            return Response(status: .partialContent, headers: headers, body: body)
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(size)"
            throw ProblemError(
                .rangeNotSatisfiable, detail: "the file has \(size) bytes", headers: [.contentRange: "bytes */\(size)"])
        }
    }
}
