import Foundation
import GRDB

/// A training dataset, one row of `datasets`; its images are `DatasetImage` rows. Times are unix milliseconds.
public struct Dataset: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "datasets"

    /// A UUID, lowercase.
    public var id: String
    public var name: String
    public var createdAt: Int64
    public var source: DatasetSource
    /// The dataset check as JSON, kept once computed; nil until then and after an edit that changes it.
    public var checkJSON: String?

    enum CodingKeys: String, CodingKey {
        case id, name, source
        case createdAt = "created_at"
        case checkJSON = "check_json"
    }

    public init(id: String, name: String, createdAt: Int64, source: DatasetSource, checkJSON: String? = nil) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.source = source
        self.checkJSON = checkJSON
    }

    /// Stores the dataset, its images and the `blobs` rows of their bytes in one transaction. Every image's blob must
    /// already be stored (`BlobStore.put` returned), every `fileName` a safe `DatasetPath`, and every blob of an
    /// image listed in `blobs`.
    public static func insert(
        _ dataset: Dataset, images: [DatasetImage], blobs: [BlobReference], _ db: Database
    ) throws {
        let registered = Set(blobs.map(\.sha256))
        for image in images {
            guard image.datasetID == dataset.id else { throw StoreError.datasetMismatch(image: image.fileName) }
            try DatasetPath.validate(image.fileName)
            guard registered.contains(image.blobSHA256) else { throw StoreError.blobNotFound(sha256: image.blobSHA256) }
        }
        try dataset.insert(db)
        for blob in blobs { try blob.register(db) }
        for image in images { try image.insert(db) }
    }

    /// The jobs that still need the dataset: queued, preparing or training.
    public static func activeJobIDs(datasetID: String, _ db: Database) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT id FROM jobs WHERE dataset_id = ? AND state IN ('queued', 'preparing', 'training')
                ORDER BY created_at
                """,
            arguments: [datasetID])
    }

    /// Every job that references the dataset, in any state (the schema keeps a job's dataset while the job exists).
    public static func referencingJobIDs(datasetID: String, _ db: Database) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT id FROM jobs WHERE dataset_id = ? ORDER BY created_at", arguments: [datasetID])
    }
}
