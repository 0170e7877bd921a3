import Crypto
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import Store
import Training

/// A job's checkpoint × weight grids: queue one (`POST /v1/jobs/{id}/grid`), list, read and delete them, and serve
/// their cell images and per-prompt mosaics. Workers render them (`GridRendering`).
struct GridsController: Sendable {
    let services: ServerServices

    func addRoutes(to router: Router<some RequestContext>) {
        let job = router.group("v1/jobs/:id")
        job.post("grid", use: create)
        job.get("grids", use: list)
        job.get("grids/:grid_id", use: get)
        job.delete("grids/:grid_id", use: delete)
        job.get("grids/:grid_id/cells/:prompt_index/:checkpoint_index/{weight_index}.png", use: cellImage)
        job.get("grids/:grid_id/prompts/{prompt_index}.png", use: mosaic)
    }

    @Sendable func create(_ request: Request, context: some RequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try await Self.body(request, context: context)
        let resource = try await services.database.writer.write { db in
            let job = try JobsController.job(id, db)
            guard job.state.isFinal else {
                throw ProblemError(
                    .conflict,
                    detail:
                        "job \(id) is \(job.state.rawValue): grids are rendered for finished jobs (succeeded, failed or canceled)"
                )
            }
            let checkpoints = try Self.checkpoints(ofJob: id, db)
            guard !checkpoints.isEmpty else {
                throw ProblemError(.conflict, detail: "job \(id) has no checkpoint to render a grid with")
            }
            let settings: GridJobSettings
            do {
                settings = try GridJobSettings(job: job)
            } catch {
                throw ProblemError(.conflict, detail: "job \(id)'s options no longer load: \(error)")
            }
            let spec = try GridRequest.check(body, settings: settings, checkpoints: checkpoints)
            return try GridResource(try Grid.enqueue(jobID: id, spec: try spec.json(), db), db)
        }
        services.changes.publish(.grid(jobID: id, gridID: resource.id))
        var response = try JSONResponse.make(resource, status: .accepted)
        response.headers[.location] = GridResource.path(jobID: id, gridID: resource.id)
        return response
    }

    /// Newest first.
    @Sendable func list(_ request: Request, context: some RequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let grids = try await services.database.writer.read { db in
            _ = try JobsController.job(id, db)
            return try Grid.filter(Column("job_id") == id)
                .order(Column("created_at").desc, Column("rowid").desc).fetchAll(db)
                .map { try GridResource($0, db) }
        }
        return try JSONResponse.make(["grids": grids])
    }

    @Sendable func get(_ request: Request, context: some RequestContext) async throws -> Response {
        let (id, gridID) = (try context.parameters.require("id"), try context.parameters.require("grid_id"))
        let resource = try await services.database.writer.read { db in
            try GridResource(try Self.grid(gridID, ofJob: id, db), db)
        }
        return try JSONResponse.make(resource)
    }

    @Sendable func delete(_ request: Request, context: some RequestContext) async throws -> Response {
        let (id, gridID) = (try context.parameters.require("id"), try context.parameters.require("grid_id"))
        try await services.database.writer.write { db in
            let grid = try Self.grid(gridID, ofJob: id, db)
            guard grid.state != .rendering else {
                throw ProblemError(.conflict, detail: "grid \(gridID) is rendering: delete it once it has ended")
            }
            _ = try Grid.deleteOne(db, key: gridID)
        }
        services.changes.publish(.grid(jobID: id, gridID: gridID))
        return Response(status: .noContent)
    }

    /// `…/grids/{grid_id}/cells/{prompt_index}/{checkpoint_index}/{weight_index}.png`: indices into the grid's
    /// `prompts`, `checkpoints` and `weights`.
    @Sendable func cellImage(_ request: Request, context: some RequestContext) async throws -> Response {
        let (id, gridID) = (try context.parameters.require("id"), try context.parameters.require("grid_id"))
        let prompt = context.parameters.get("prompt_index", as: Int.self)
        let checkpoint = context.parameters.get("checkpoint_index", as: Int.self)
        let weight = context.parameters.get("weight_index", as: Int.self)
        let cell = try await services.database.writer.read { db -> GridCell? in
            let spec = try GridSpec.decode(try Self.grid(gridID, ofJob: id, db).spec)
            guard let prompt, let checkpoint, let weight, spec.prompts.indices.contains(prompt),
                spec.checkpoints.indices.contains(checkpoint), spec.weights.indices.contains(weight)
            else { return nil }
            return try GridCell.filter(
                Column("grid_id") == gridID && Column("prompt_index") == prompt
                    && Column("checkpoint") == spec.checkpoints[checkpoint] && Column("weight") == spec.weights[weight]
            ).fetchOne(db)
        }
        guard let cell else {
            throw ProblemError(
                .notFound,
                detail: "grid \(gridID) has no such image yet: its JSON lists the URLs of the images it has")
        }
        return try await JobOutputsController(services: services).blobResponse(
            cell.blobSHA256, mediaType: "image/png", request: request, context: context,
            cacheControl: "private, max-age=31536000, immutable")
    }

    /// `…/grids/{grid_id}/prompts/{prompt_index}.png`: the prompt's images as one PNG, once all are rendered.
    @Sendable func mosaic(_ request: Request, context: some RequestContext) async throws -> Response {
        let (id, gridID) = (try context.parameters.require("id"), try context.parameters.require("grid_id"))
        let promptIndex = context.parameters.get("prompt_index", as: Int.self)
        let (spec, cells) = try await services.database.writer.read { db in
            let spec = try GridSpec.decode(try Self.grid(gridID, ofJob: id, db).spec)
            guard let promptIndex, spec.prompts.indices.contains(promptIndex) else {
                throw ProblemError(.notFound, detail: "grid \(gridID) has \(spec.prompts.count) prompts, from 0")
            }
            let cells = try GridCell.filter(Column("grid_id") == gridID && Column("prompt_index") == promptIndex)
                .fetchAll(db)
            return (spec, cells)
        }
        let digests = Dictionary(cells.map { (CellKey(checkpoint: $0.checkpoint, weight: $0.weight), $0.blobSHA256) }) {
            first, _ in first
        }
        let wanted = spec.checkpoints.map { checkpoint in
            spec.weights.map { digests[CellKey(checkpoint: checkpoint, weight: $0)] }
        }
        let rows = wanted.compactMap { row in row.allSatisfy { $0 != nil } ? row.compactMap { $0 } : nil }
        guard rows.count == wanted.count else {
            let done = wanted.joined().filter { $0 != nil }.count
            throw ProblemError(
                .conflict,
                detail:
                    "grid \(gridID) has rendered \(done) of the \(spec.checkpoints.count * spec.weights.count) images of this prompt"
            )
        }
        // The cells never change once stored, so their digests name the mosaic.
        let etag =
            "\"\(SHA256.hash(data: Data(rows.joined().joined().utf8)).map { String(format: "%02x", $0) }.joined())\""
        var headers: HTTPFields = [.eTag: etag, .cacheControl: "no-cache"]
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        let blobs = services.blobs
        let png = try GridMosaic.png(
            rows: try rows.map { row in try row.map { try Data(contentsOf: try blobs.url(for: $0)) } })
        headers[.contentType] = "image/png"
        headers[.contentLength] = String(png.count)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: png)))
    }

    private struct CellKey: Hashable {
        var checkpoint: String
        var weight: Double
    }

    /// The body as a JSON object; no body at all asks for every default.
    static func body(_ request: Request, context: some RequestContext) async throws -> [String: ConfigValue] {
        guard request.headers[.contentType] == nil else {
            return try await JSONBody.object(request, context: context, maxBytes: GridLimits.maxBodyBytes)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: GridLimits.maxBodyBytes)
        } catch {
            throw ProblemError(.contentTooLarge, detail: "the body is larger than \(GridLimits.maxBodyBytes) bytes")
        }
        guard buffer.readableBytes == 0 else {
            throw ProblemError(.unsupportedMediaType, detail: "send the body as application/json (got no Content-Type)")
        }
        return [:]
    }

    /// The job's checkpoints, in the order the API lists them (by step, the final one after an intermediate one).
    static func checkpoints(ofJob id: String, _ db: Database) throws -> [Checkpoint] {
        try Checkpoint.filter(Column("job_id") == id)
            .order(Column("step"), Column("is_final"), Column("name")).fetchAll(db)
    }

    /// Grid `gridID` of job `id`, or a 404.
    static func grid(_ gridID: String, ofJob id: String, _ db: Database) throws -> Grid {
        _ = try JobsController.job(id, db)
        guard let grid = try Grid.fetchOne(db, key: gridID), grid.jobID == id else {
            throw ProblemError(.notFound, detail: "job \(id) has no grid with the id \"\(gridID.prefix(100))\"")
        }
        return grid
    }
}
