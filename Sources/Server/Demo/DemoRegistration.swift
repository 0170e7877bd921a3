import Diffusion
import Foundation
import GRDB
import Logging
import Store

/// Registers the demo when a server starts on an empty data directory: the demo model as a `registered` row of
/// `models` (id `demo`) and the demo dataset imported like a folder under a dataset root, with the `demo` row that
/// says it was done, all in one transaction. Later starts never register it again, even after the user deleted it.
enum DemoRegistration {
    /// The id of the demo model.
    static let modelID = "demo"

    /// Registers the demo on a first start, or, on a later one, points the demo model's row at the configured demo
    /// folder (a new build of lorad may bundle it elsewhere). A demo that cannot be registered is logged: the server
    /// runs without it.
    static func run(_ services: ServerServices, logger: Logger) {
        guard let url = services.configuration.demoDirectory else { return }
        do {
            let demo = try DemoFolder(url: url)
            if services.database.wasCreated {
                let dataset = try register(demo, services: services)
                logger.info("registered the demo: model \(modelID), dataset \(dataset.id) (\(dataset.name))")
            } else {
                try followModelFolder(demo, database: services.database)
            }
        } catch {
            logger.error("the demo in \(url.path) cannot be used: \(error)")
        }
    }

    private static func register(_ demo: DemoFolder, services: ServerServices) throws -> Dataset {
        let probe = try ModelProbe(url: demo.modelFolder)
        let now = UnixMilliseconds.now()
        let model = BaseModel(
            id: modelID, path: demo.modelFolder.path, architecture: probe.architecture.rawValue,
            format: probe.format.rawValue, size: ModelCatalog.diskSize(of: demo.modelFolder), foundAt: now,
            origin: .registered)
        let staging = try StagingFolder(dataDirectory: services.configuration.dataDirectory, purpose: "demo")
        defer { staging.remove() }
        let limits = services.configuration.datasetLimits
        let entries = StagedEntries(
            staging: staging, maxFiles: limits.maxFiles, maxBytes: limits.maxExpandedBytes,
            bytesDescription: "the demo dataset")
        try DatasetFolderSource(relativePath: DemoFolder.datasetFolderName, roots: [demo.url]).copy(into: entries)
        let plan = try DatasetPlan(entries: entries.entries, defaultFolder: demo.conceptFolder)
        return try DatasetStorage.store(plan, name: demo.datasetName, source: .folder, services: services) {
            dataset, db in
            try model.insert(db)
            try DemoRecord(modelID: model.id, datasetID: dataset.id, registeredAt: now).insert(db)
        }
    }

    /// Updates the demo model's path when the demo folder moved, unless another model holds the new path.
    private static func followModelFolder(_ demo: DemoFolder, database: StoreDatabase) throws {
        try database.writer.write { db in
            try db.execute(
                sql: """
                    UPDATE models SET path = :path
                    WHERE id = (SELECT model_id FROM demo) AND origin = 'registered' AND path <> :path
                      AND NOT EXISTS (SELECT 1 FROM models WHERE path = :path)
                    """,
                arguments: ["path": demo.modelFolder.path])
        }
    }
}
