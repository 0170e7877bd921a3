import GRDB

/// One image of a dataset, one row of `dataset_images`: where it sits in the kohya folder, its caption, its size and
/// the blob holding its bytes.
public struct DatasetImage: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "dataset_images"

    public var datasetID: String
    /// The image's place in the dataset's order, from 0.
    public var position: Int
    public var blobSHA256: String
    /// The path inside the dataset, `10_sks dog/a.png`: always a safe `DatasetPath`.
    public var fileName: String
    /// The caption text (the `.txt` file beside the image); nil when the image has none.
    public var caption: String?
    /// The displayed size, after EXIF orientation.
    public var width: Int
    public var height: Int

    enum CodingKeys: String, CodingKey {
        case position, caption, width, height
        case datasetID = "dataset_id"
        case blobSHA256 = "blob_sha256"
        case fileName = "file_name"
    }

    public init(
        datasetID: String, position: Int, blobSHA256: String, fileName: String, caption: String?, width: Int,
        height: Int
    ) {
        self.datasetID = datasetID
        self.position = position
        self.blobSHA256 = blobSHA256
        self.fileName = fileName
        self.caption = caption
        self.width = width
        self.height = height
    }

    /// The images of dataset `datasetID` in position order.
    public static func all(datasetID: String, _ db: Database) throws -> [DatasetImage] {
        try DatasetImage.filter(Column("dataset_id") == datasetID).order(Column("position")).fetchAll(db)
    }
}
