import GRDB

/// A base model found in a models folder, one row of `models`. Jobs reference it by `id`.
public struct BaseModel: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "models"

    /// The model's path relative to its models folder (`sd15`, `sdxl/base.safetensors`).
    public var id: String
    /// The absolute path.
    public var path: String
    /// `sd1`, `sd2` or `sdxl`.
    public var architecture: String
    /// `diffusers` or `single_file`.
    public var format: String
    /// Bytes on disk (a folder: all its files).
    public var size: Int64
    public var foundAt: Int64

    public init(id: String, path: String, architecture: String, format: String, size: Int64, foundAt: Int64) {
        self.id = id
        self.path = path
        self.architecture = architecture
        self.format = format
        self.size = size
        self.foundAt = foundAt
    }

    enum CodingKeys: String, CodingKey {
        case id, path, architecture, format, size
        case foundAt = "found_at"
    }
}
