import GRDB

/// The one row of `demo`: written when the server registered the demo model and dataset, kept for good so that the
/// demo is registered only once. A column is nil once the user deleted what it named.
public struct DemoRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "demo"

    /// The table holds at most one row, this one.
    public var id = 1
    public var modelID: String?
    public var datasetID: String?
    /// Unix milliseconds.
    public var registeredAt: Int64

    enum CodingKeys: String, CodingKey {
        case id
        case modelID = "model_id"
        case datasetID = "dataset_id"
        case registeredAt = "registered_at"
    }

    public init(modelID: String?, datasetID: String?, registeredAt: Int64) {
        self.modelID = modelID
        self.datasetID = datasetID
        self.registeredAt = registeredAt
    }

    /// The row, or nil while the demo was never registered.
    public static func current(_ db: Database) throws -> DemoRecord? {
        try DemoRecord.fetchOne(db, key: 1)
    }
}
