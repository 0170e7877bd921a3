import Foundation
import GRDB
import Store

/// Materializes a stored dataset: each image of `dataset_images` at its path inside the dataset (a hard link to its
/// blob, or a copy across file systems) with its caption beside it as `<stem>.txt`.
public struct StoredDatasetFolder: DatasetMaterializing {
    let services: ServerServices

    public init(services: ServerServices) {
        self.services = services
    }

    public func materialize(datasetID: String, into folder: URL) throws {
        let images = try services.database.writer.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT file_name, blob_sha256, caption FROM dataset_images WHERE dataset_id = ? ORDER BY position",
                arguments: [datasetID])
        }
        guard !images.isEmpty else { throw MaterializeError(description: "dataset \(datasetID) has no images") }
        let root = folder.standardizedFileURL
        for image in images {
            let path: String = image["file_name"]
            // The rows were checked when stored; this check keeps a damaged database from writing outside the folder.
            let destination = root.appendingPathComponent(path).standardizedFileURL
            guard destination.path.hasPrefix(root.path + "/"), !path.split(separator: "/").contains("..") else {
                throw MaterializeError(description: "dataset \(datasetID): unsafe file name \(path)")
            }
            try FileManager.default.createDirectory(
                at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            let blob = try services.blobs.url(for: image["blob_sha256"])
            do {
                try FileManager.default.linkItem(at: blob, to: destination)
            } catch {
                try FileManager.default.copyItem(at: blob, to: destination)
            }
            if let caption: String = image["caption"] {
                try Data(caption.utf8).write(
                    to: destination.deletingPathExtension().appendingPathExtension("txt"), options: .atomic)
            }
        }
    }

    struct MaterializeError: Error, CustomStringConvertible {
        let description: String
    }
}
