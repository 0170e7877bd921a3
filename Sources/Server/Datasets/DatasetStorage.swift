import Foundation
import GRDB
import Store

/// Stores a validated dataset: first every image's blob (written and renamed into place), then one transaction
/// with the `blobs` rows, the dataset and its images, so that no committed row ever points at a missing blob.
enum DatasetStorage {
    /// Stores `plan`; `alongside` writes rows that belong with the dataset (the demo's) in the same transaction.
    static func store(
        _ plan: DatasetPlan, name: String, source: DatasetSource, services: ServerServices,
        alongside: (Dataset, Database) throws -> Void = { _, _ in }
    ) throws -> Dataset {
        let dataset = Dataset(
            id: UUID().uuidString.lowercased(), name: name, createdAt: UnixMilliseconds.now(), source: source)
        var blobs: [String: BlobReference] = [:]
        var images: [DatasetImage] = []
        for (position, image) in plan.images.enumerated() {
            let blob = try services.blobs.put(contentsOf: image.file, mediaType: image.mediaType)
            blobs[blob.sha256] = blob
            images.append(
                DatasetImage(
                    datasetID: dataset.id, position: position, blobSHA256: blob.sha256, fileName: image.path,
                    caption: image.caption, width: image.width, height: image.height))
        }
        try services.database.writer.write { db in
            try Dataset.insert(dataset, images: images, blobs: Array(blobs.values), db)
            try alongside(dataset, db)
        }
        return dataset
    }
}
