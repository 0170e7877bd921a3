import Foundation
import GRDB
import Hummingbird
import NIOPosix
import Store
import Training

/// The `/v1/datasets` routes: import (multipart upload, raw archive, or a folder under a dataset root), list, read,
/// image bytes, caption edits and deletion.
struct DatasetController<Context: RequestContext> {
    let services: ServerServices

    func addRoutes(to router: Router<Context>) {
        let group = router.group("/v1/datasets")
        group.post { request, context in try await create(request, context: context) }
        group.get { _, _ in try list() }
        group.get(":id") { _, context in try await detail(id: try context.parameters.require("id")) }
        group.get(":id/images/:position") { _, context in try await imageBytes(context) }
        group.patch(":id/images/:position") { request, context in try await editCaption(request, context: context) }
        group.delete(":id") { _, context in try delete(id: try context.parameters.require("id")) }
    }

    // MARK: - Import

    private func create(_ request: Request, context: Context) async throws -> Response {
        let contentType = HeaderParameters(request.headers[.contentType] ?? "")
        let limits = services.configuration.datasetLimits
        do {
            if contentType.value != "application/json",
                let length = request.headers[.contentLength].flatMap(Int64.init),
                length > limits.maxUploadBytes
            {
                throw DatasetImportError.tooLarge(
                    "the request body is larger than the server's limit of \(limits.maxUploadBytes) bytes")
            }
            let services = self.services
            let dataset = try await StagingFolder.with(
                dataDirectory: services.configuration.dataDirectory, purpose: "upload"
            ) { staging in
                let received = try await DatasetImportRequest.receive(
                    request, contentType: contentType, configuration: services.configuration, staging: staging)
                // Unpacking, probing and hashing block: they run on the thread pool, not the server's executor.
                return try await NIOThreadPool.singleton.runIfActive {
                    let entries = try received.stagedEntries(staging: staging, limits: limits)
                    let plan = try DatasetPlan(entries: entries, defaultFolder: received.options.defaultFolder)
                    return try DatasetStorage.store(
                        plan, name: received.options.name, source: received.source, services: services)
                }
            }
            var response = try JSONResponse.make(try await detailResponse(dataset), status: .created)
            response.headers[.location] = "/v1/datasets/\(dataset.id)"
            return response
        } catch let error as DatasetImportError {
            throw error.problem
        }
    }

    // MARK: - Reading

    private func list() throws -> Response {
        let rows = try services.database.writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.id, d.name, d.created_at, d.source,
                      (SELECT COUNT(*) FROM dataset_images WHERE dataset_id = d.id) AS image_count
                    FROM datasets AS d ORDER BY d.created_at DESC, d.rowid DESC
                    """)
        }
        let summaries = try rows.map { row in
            DatasetSummaryResponse(try Dataset(row: row), imageCount: row["image_count"])
        }
        return try JSONResponse.make(DatasetListResponse(datasets: summaries))
    }

    private func detail(id: String) async throws -> Response {
        guard let dataset = try await services.database.writer.read({ db in try Dataset.fetchOne(db, key: id) })
        else { throw Self.notFound(id) }
        return try JSONResponse.make(try await detailResponse(dataset))
    }

    private func detailResponse(_ dataset: Dataset) async throws -> DatasetResponse {
        let (images, count) = try await services.database.writer.read { db in
            (
                try imageResponses(datasetID: dataset.id, db),
                try DatasetImage.filter(Column("dataset_id") == dataset.id).fetchCount(db)
            )
        }
        let services = self.services
        let check = try await NIOThreadPool.singleton.runIfActive {
            try DatasetCheckComputation.cachedCheck(datasetID: dataset.id, services: services)
        }
        return DatasetResponse(
            summary: DatasetSummaryResponse(dataset, imageCount: count), images: images, check: check)
    }

    private func imageResponses(datasetID: String, position: Int? = nil, _ db: Database) throws
        -> [DatasetImageResponse]
    {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT i.*, b.size AS blob_size FROM dataset_images AS i JOIN blobs AS b ON b.sha256 = i.blob_sha256
                WHERE i.dataset_id = ? AND (? IS NULL OR i.position = ?) ORDER BY i.position
                """,
            arguments: [datasetID, position, position])
        return try rows.map { row in DatasetImageResponse(try DatasetImage(row: row), size: row["blob_size"]) }
    }

    /// The image at `:position` of dataset `:id`, with its blob's media type.
    private func image(_ context: Context) throws -> (DatasetImage, media: String) {
        let id = try context.parameters.require("id")
        let positionText = try context.parameters.require("position")
        guard let position = Int(positionText), position >= 0 else {
            throw ProblemError.validation([
                .init(field: "position", message: "'\(positionText)' is not an image position (0, 1, …)")
            ])
        }
        let found = try services.database.writer.read { db -> (DatasetImage, String)? in
            guard try Dataset.exists(db, key: id) else { throw Self.notFound(id) }
            guard let image = try DatasetImage.fetchOne(db, key: ["dataset_id": id, "position": position]),
                let media = try String.fetchOne(
                    db, sql: "SELECT media_type FROM blobs WHERE sha256 = ?", arguments: [image.blobSHA256])
            else { return nil }
            return (image, media)
        }
        guard let found else {
            throw ProblemError(.notFound, detail: "dataset \(id) has no image at position \(position)")
        }
        return (found.0, found.1)
    }

    private func imageBytes(_ context: Context) async throws -> Response {
        let (image, media) = try image(context)
        let body = try await FileIO().loadFile(
            path: try services.blobs.url(for: image.blobSHA256).path, context: context)
        return Response(status: .ok, headers: [.contentType: media], body: body)
    }

    // MARK: - Changes

    /// `{"caption": string|null}`.
    private struct CaptionEdit: Decodable {
        var caption: String?

        enum CodingKeys: String, CodingKey { case caption }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            guard container.contains(.caption) else {
                throw DatasetImportError.invalidField(field: "caption", reason: "missing (send a string or null)")
            }
            caption = try container.decodeNil(forKey: .caption) ? nil : container.decode(String.self, forKey: .caption)
        }
    }

    private func editCaption(_ request: Request, context: Context) async throws -> Response {
        let (image, _) = try image(context)
        var request = request
        let body = try await request.collectBody(upTo: DatasetPlan.maxCaptionBytes * 8)
        let edit: CaptionEdit
        do {
            edit = try JSONDecoder().decode(CaptionEdit.self, from: body)
        } catch let error as DatasetImportError {
            throw error.problem
        } catch {
            throw DatasetImportError.invalidField(
                field: "caption",
                reason: "expected {\"caption\": string or null} (\(DatasetImportError.describe(error)))"
            ).problem
        }
        if let caption = edit.caption, caption.utf8.count > DatasetPlan.maxCaptionBytes {
            throw DatasetImportError.invalidField(
                field: "caption", reason: "longer than \(DatasetPlan.maxCaptionBytes) bytes"
            ).problem
        }
        let updated = try await services.database.writer.write { db in
            var changed = image
            changed.caption = edit.caption
            try changed.update(db)
            try DatasetCheckComputation.invalidate(datasetID: image.datasetID, db)
            return try imageResponses(datasetID: image.datasetID, position: image.position, db)
        }
        guard let response = updated.first else { throw Self.notFound(image.datasetID) }
        return try JSONResponse.make(response)
    }

    private func delete(id: String) throws -> Response {
        try services.database.writer.write { db in
            guard try Dataset.exists(db, key: id) else { throw Self.notFound(id) }
            let active = try Dataset.activeJobIDs(datasetID: id, db)
            guard active.isEmpty else {
                throw ProblemError(
                    .conflict,
                    detail: "dataset \(id) is used by queued or running jobs: \(active.joined(separator: ", "))")
            }
            let finished = try Dataset.referencingJobIDs(datasetID: id, db)
            guard finished.isEmpty else {
                throw ProblemError(
                    .conflict,
                    detail: "dataset \(id) is referenced by jobs \(finished.joined(separator: ", ")): delete them first"
                )
            }
            _ = try Dataset.deleteOne(db, key: id)
        }
        return Response(status: .noContent)
    }

    // MARK: - Helpers

    private static func notFound(_ id: String) -> ProblemError {
        ProblemError(.notFound, detail: "no dataset has the id \(id)")
    }
}
