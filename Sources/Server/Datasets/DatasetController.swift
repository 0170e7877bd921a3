import Foundation
import GRDB
import Hummingbird
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
        group.get(":id") { _, context in try detail(id: try context.parameters.require("id")) }
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
            let dataset = try await StagingFolder.with(
                dataDirectory: services.configuration.dataDirectory, purpose: "upload"
            ) { staging in
                let received = try await receive(request, contentType: contentType, staging: staging)
                let plan = try DatasetPlan(entries: received.entries, defaultFolder: received.options.defaultFolder)
                return try DatasetStorage.store(
                    plan, name: received.options.name, source: received.source, services: services)
            }
            return try Self.json(
                try detailResponse(dataset), status: .created, headers: [.location: "/v1/datasets/\(dataset.id)"])
        } catch let error as DatasetImportError {
            throw error.problem
        }
    }

    /// What a request brought in, staged and not yet validated as a dataset.
    private struct Received {
        var options: DatasetImportOptions
        var entries: [StagedEntries.Entry]
        var source: DatasetSource
    }

    private func receive(_ request: Request, contentType: HeaderParameters, staging: StagingFolder) async throws
        -> Received
    {
        let limits = services.configuration.datasetLimits
        switch contentType.value {
        case "multipart/form-data":
            return try await receiveMultipart(request, contentType: contentType, staging: staging)
        case "application/json":
            return try await receiveFolder(request, staging: staging)
        case let mediaType:
            guard let kind = DatasetArchiveKind(mediaType: mediaType) else {
                throw DatasetImportError.unsupportedMediaType(
                    "Content-Type '\(mediaType)' is not accepted: send multipart/form-data, application/zip, "
                        + "application/x-tar, application/gzip (a .tar.gz) or application/json")
            }
            let query = request.uri.queryParameters
            let options = try DatasetImportOptions(
                name: query.get("name"), repeats: query.get("repeats"), classTokens: query.get("class_tokens"),
                fallbackName: "dataset")
            let (archive, handle) = try staging.makeFile()
            do {
                defer { try? handle.close() }
                var received: Int64 = 0
                for try await buffer in request.body {
                    received += Int64(buffer.readableBytes)
                    guard received <= limits.maxUploadBytes else {
                        throw DatasetImportError.tooLarge(
                            "the request body is larger than the server's limit of \(limits.maxUploadBytes) bytes")
                    }
                    try handle.write(contentsOf: buffer.readableBytesView)
                }
            }
            let entries = archiveEntries(staging)
            try kind.unpack(archive, archiveName: "body", into: entries)
            return Received(options: options, entries: entries.entries, source: .archive)
        }
    }

    private func receiveMultipart(_ request: Request, contentType: HeaderParameters, staging: StagingFolder)
        async throws -> Received
    {
        let upload = try await MultipartUpload.receive(
            request.body, contentType: contentType, staging: staging, limits: services.configuration.datasetLimits)
        for field in upload.fields.keys where !["name", "repeats", "class_tokens"].contains(field) {
            throw DatasetImportError.invalidField(
                field: field, reason: "unknown field (text fields are name, repeats and class_tokens)")
        }
        let archives = upload.files.filter { DatasetArchiveKind(fileName: $0.fileName) != nil }
        if let archive = archives.first {
            guard upload.files.count == 1, let kind = DatasetArchiveKind(fileName: archive.fileName) else {
                throw DatasetImportError.invalidEntry(
                    path: archive.fileName, reason: "an archive must be the only file of the upload")
            }
            let stem = archive.fileName.split(separator: "/").last.map(String.init) ?? archive.fileName
            let options = try DatasetImportOptions(
                name: upload.fields["name"], repeats: upload.fields["repeats"],
                classTokens: upload.fields["class_tokens"], fallbackName: Self.archiveStem(stem))
            let entries = archiveEntries(staging)
            try kind.unpack(archive.file, archiveName: archive.fileName, into: entries)
            return Received(options: options, entries: entries.entries, source: .archive)
        }
        let options = try DatasetImportOptions(
            name: upload.fields["name"], repeats: upload.fields["repeats"], classTokens: upload.fields["class_tokens"],
            fallbackName: "dataset")
        var entries: [StagedEntries.Entry] = []
        for file in upload.files {
            if let path = try StagedEntries.datasetPath(of: file.fileName) {
                entries.append(StagedEntries.Entry(path: path, file: file.file))
            }
        }
        return Received(options: options, entries: entries, source: .upload)
    }

    /// `{"name", "path", "repeats"?, "class_tokens"?}`: a folder under a dataset root.
    private struct FolderRequest: Decodable {
        var name: String?
        var path: String
        var repeats: Int?
        var classTokens: String?

        enum CodingKeys: String, CodingKey {
            case name, path, repeats
            case classTokens = "class_tokens"
        }
    }

    private func receiveFolder(_ request: Request, staging: StagingFolder) async throws -> Received {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        let folderRequest: FolderRequest
        do {
            folderRequest = try JSONDecoder().decode(FolderRequest.self, from: body)
        } catch {
            throw DatasetImportError.invalidField(
                field: "body", reason: "expected {\"name\": string, \"path\": string} (\(Self.describe(error)))")
        }
        let source = try DatasetFolderSource(
            relativePath: folderRequest.path, roots: services.configuration.datasetRoots)
        let options = try DatasetImportOptions(
            name: folderRequest.name, repeats: folderRequest.repeats.map(String.init),
            classTokens: folderRequest.classTokens, fallbackName: source.folder.lastPathComponent)
        let entries = StagedEntries(
            staging: staging, maxFiles: services.configuration.datasetLimits.maxFiles,
            maxBytes: services.configuration.datasetLimits.maxExpandedBytes, bytesDescription: "the folder")
        try source.copy(into: entries)
        return Received(options: options, entries: entries.entries, source: .folder)
    }

    private func archiveEntries(_ staging: StagingFolder) -> StagedEntries {
        StagedEntries(
            staging: staging, maxFiles: services.configuration.datasetLimits.maxFiles,
            maxBytes: services.configuration.datasetLimits.maxExpandedBytes, bytesDescription: "the unpacked archive")
    }

    /// `cats.tar.gz` → `cats`.
    private static func archiveStem(_ fileName: String) -> String {
        for suffix in [".tar.gz", ".tgz", ".tar", ".zip"] where fileName.lowercased().hasSuffix(suffix) {
            let stem = String(fileName.dropLast(suffix.count))
            return stem.isEmpty ? "dataset" : stem
        }
        return fileName
    }

    // MARK: - Reading

    private func list() throws -> Response {
        let rows = try services.database.writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.*, (SELECT COUNT(*) FROM dataset_images WHERE dataset_id = d.id) AS image_count
                    FROM datasets AS d ORDER BY d.created_at DESC, d.rowid DESC
                    """)
        }
        let summaries = try rows.map { row in
            DatasetSummaryResponse(try Dataset(row: row), imageCount: row["image_count"])
        }
        return try Self.json(DatasetListResponse(datasets: summaries))
    }

    private func detail(id: String) throws -> Response {
        guard let dataset = try services.database.writer.read({ db in try Dataset.fetchOne(db, key: id) }) else {
            throw Self.notFound(id)
        }
        return try Self.json(try detailResponse(dataset))
    }

    private func detailResponse(_ dataset: Dataset) throws -> DatasetResponse {
        let (images, count) = try services.database.writer.read { db in
            (
                try imageResponses(datasetID: dataset.id, db),
                try DatasetImage.filter(Column("dataset_id") == dataset.id).fetchCount(db)
            )
        }
        let check = try DatasetCheckComputation.check(datasetID: dataset.id, services: services)
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
                field: "caption", reason: "expected {\"caption\": string or null} (\(Self.describe(error)))"
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
            return try imageResponses(datasetID: image.datasetID, position: image.position, db)
        }
        guard let response = updated.first else { throw Self.notFound(image.datasetID) }
        return try Self.json(response)
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

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: "not valid JSON"
        }
    }

    /// A JSON response with sorted keys and unescaped slashes.
    private static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:])
        throws -> Response
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(
            status: status, headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
