import GRDB

/// One image of a grid, one row of `grid_cells`: the prompt at `promptIndex` of the grid's spec, rendered with the
/// checkpoint `checkpoint` applied at `weight`. Its PNG is the blob `blobSHA256`.
public struct GridCell: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "grid_cells"

    public var gridID: String
    public var promptIndex: Int
    /// The checkpoint's name (`Checkpoint.name`).
    public var checkpoint: String
    /// The LoRA multiplier.
    public var weight: Double
    public var blobSHA256: String
    public var createdAt: Int64

    public init(
        gridID: String, promptIndex: Int, checkpoint: String, weight: Double, blobSHA256: String, createdAt: Int64
    ) {
        self.gridID = gridID
        self.promptIndex = promptIndex
        self.checkpoint = checkpoint
        self.weight = weight
        self.blobSHA256 = blobSHA256
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case checkpoint, weight
        case gridID = "grid_id"
        case promptIndex = "prompt_index"
        case blobSHA256 = "blob_sha256"
        case createdAt = "created_at"
    }
}
