import Foundation
import GRDB

@testable import Store

/// Rows that jobs need (a model and a dataset), inserted with plain SQL so the tests do not lean on the code they test.
enum Fixtures {
    static let modelID = "7c2e1a40-0000-4000-8000-000000000001"
    static let datasetID = "7c2e1a40-0000-4000-8000-000000000002"

    static func insertModelAndDataset(_ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO models (id, path, architecture, format, size, found_at)
                VALUES (?, 'models/sd15.safetensors', 'sd15', 'single-file', 4265380512, 0);
                INSERT INTO datasets (id, name, created_at, source) VALUES (?, 'cats', 0, 'upload');
                """,
            arguments: [modelID, datasetID])
    }

    static func newJob(priority: Int = 0, key: String? = nil, config: String = #"{"network_dim": 8}"#) -> NewJob {
        NewJob(config: config, modelID: modelID, datasetID: datasetID, priority: priority, idempotencyKey: key)
    }
}
