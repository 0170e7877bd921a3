import Foundation
import Hummingbird
import Store

/// What an import request brought in, read from the body into the staging folder: the options and the content,
/// not yet unpacked or validated as a dataset.
struct DatasetImportRequest: Sendable {
    /// The body's content.
    enum Content: Sendable {
        /// Images and captions uploaded one by one.
        case files([StagedEntries.Entry])
        /// One archive (a raw body or the only file part), called `name` in messages.
        case archive(DatasetArchiveKind, file: URL, name: String)
        /// A folder under a dataset root.
        case folder(DatasetFolderSource)
    }

    var options: DatasetImportOptions
    var content: Content

    var source: DatasetSource {
        switch content {
        case .files: .upload
        case .archive: .archive
        case .folder: .folder
        }
    }

    /// Reads the request by its media type: multipart/form-data, a raw archive, or JSON naming a folder.
    static func receive(
        _ request: Request, contentType: HeaderParameters, configuration: ServerConfiguration, staging: StagingFolder
    ) async throws -> DatasetImportRequest {
        switch contentType.value {
        case "multipart/form-data":
            return try await receiveMultipart(
                request, contentType: contentType, limits: configuration.datasetLimits, staging: staging)
        case "application/json":
            return try await receiveFolder(request, roots: configuration.datasetRoots)
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
            let maxBytes = configuration.datasetLimits.maxUploadBytes
            let (archive, handle) = try staging.makeFile()
            defer { try? handle.close() }
            var received: Int64 = 0
            for try await buffer in request.body {
                received += Int64(buffer.readableBytes)
                guard received <= maxBytes else {
                    throw DatasetImportError.tooLarge(
                        "the request body is larger than the server's limit of \(maxBytes) bytes")
                }
                try handle.write(contentsOf: buffer.readableBytesView)
            }
            return DatasetImportRequest(options: options, content: .archive(kind, file: archive, name: "body"))
        }
    }

    /// The staged files of the dataset: unpacks the archive or copies the folder into `staging`, counting files and
    /// bytes against `limits`. Blocks on file I/O.
    func stagedEntries(staging: StagingFolder, limits: DatasetLimits) throws -> [StagedEntries.Entry] {
        switch content {
        case .files(let entries):
            return entries
        case .archive(let kind, let file, let name):
            let entries = StagedEntries(
                staging: staging, maxFiles: limits.maxFiles, maxBytes: limits.maxExpandedBytes,
                bytesDescription: "the unpacked archive")
            try kind.unpack(file, archiveName: name, into: entries)
            return entries.entries
        case .folder(let folder):
            let entries = StagedEntries(
                staging: staging, maxFiles: limits.maxFiles, maxBytes: limits.maxExpandedBytes,
                bytesDescription: "the folder")
            try folder.copy(into: entries)
            return entries.entries
        }
    }

    private static func receiveMultipart(
        _ request: Request, contentType: HeaderParameters, limits: DatasetLimits, staging: StagingFolder
    ) async throws -> DatasetImportRequest {
        let upload = try await MultipartUpload.receive(
            request.body, contentType: contentType, staging: staging, limits: limits)
        func options(fallbackName: String) throws -> DatasetImportOptions {
            try DatasetImportOptions(
                name: upload.fields["name"], repeats: upload.fields["repeats"],
                classTokens: upload.fields["class_tokens"], fallbackName: fallbackName)
        }
        if let archive = upload.files.first(where: { DatasetArchiveKind(fileName: $0.fileName) != nil }),
            let kind = DatasetArchiveKind(fileName: archive.fileName)
        {
            guard upload.files.count == 1 else {
                throw DatasetImportError.invalidEntry(
                    path: archive.fileName, reason: "an archive must be the only file of the upload")
            }
            return DatasetImportRequest(
                options: try options(fallbackName: archiveStem(archive.fileName)),
                content: .archive(kind, file: archive.file, name: archive.fileName))
        }
        var entries: [StagedEntries.Entry] = []
        for file in upload.files {
            if let path = try StagedEntries.datasetPath(of: file.fileName) {
                entries.append(StagedEntries.Entry(path: path, file: file.file))
            }
        }
        return DatasetImportRequest(options: try options(fallbackName: "dataset"), content: .files(entries))
    }

    /// `{"name"?, "path", "repeats"?, "class_tokens"?}`: a folder under a dataset root.
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

    private static func receiveFolder(_ request: Request, roots: [URL]) async throws -> DatasetImportRequest {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        let folderRequest: FolderRequest
        do {
            folderRequest = try JSONDecoder().decode(FolderRequest.self, from: body)
        } catch {
            throw DatasetImportError.invalidField(
                field: "body",
                reason: "expected {\"name\": string, \"path\": string} (\(DatasetImportError.describe(error)))")
        }
        let folder = try DatasetFolderSource(relativePath: folderRequest.path, roots: roots)
        let options = try DatasetImportOptions(
            name: folderRequest.name, repeats: folderRequest.repeats.map(String.init),
            classTokens: folderRequest.classTokens, fallbackName: folder.folder.lastPathComponent)
        return DatasetImportRequest(options: options, content: .folder(folder))
    }

    /// `cats.tar.gz` or `uploads/cats.zip` → `cats`.
    private static func archiveStem(_ fileName: String) -> String {
        let name = fileName.split(separator: "/").last.map(String.init) ?? fileName
        for suffix in [".tar.gz", ".tgz", ".tar", ".zip"] where name.lowercased().hasSuffix(suffix) {
            let stem = String(name.dropLast(suffix.count))
            return stem.isEmpty ? "dataset" : stem
        }
        return name
    }
}
