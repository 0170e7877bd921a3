import GRDB

/// A base model, one row of `models`: found in a models folder, or registered by the server (the demo model). Jobs
/// reference it by `id`.
public struct BaseModel: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "models"

    /// The model's path relative to its models folder (`sd15`, `sdxl/base.safetensors`), or the name the server
    /// registered it under (`demo`).
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
    /// Whether a models folder holds it or the server registered it.
    public var origin: ModelOrigin

    public init(
        id: String, path: String, architecture: String, format: String, size: Int64, foundAt: Int64,
        origin: ModelOrigin = .folder
    ) {
        self.id = id
        self.path = path
        self.architecture = architecture
        self.format = format
        self.size = size
        self.foundAt = foundAt
        self.origin = origin
    }

    enum CodingKeys: String, CodingKey {
        case id, path, architecture, format, size, origin
        case foundAt = "found_at"
    }
}
