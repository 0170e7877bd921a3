import CUDA
import Foundation
import Logging
import Store

/// What the routes and workers share: the configuration, the database and the blob store of the data directory, the
/// news of job changes, the jobs running now and the GPUs found at start-up.
public struct ServerServices: Sendable {
    public let configuration: ServerConfiguration
    public let database: StoreDatabase
    public let blobs: BlobStore
    public let changes: JobChangeHub
    public let running: RunningJobs
    /// The GPUs the CUDA driver showed at start-up (`GET /v1/system`); empty without a driver.
    public let gpus: [GPUDescription]

    public init(
        configuration: ServerConfiguration, database: StoreDatabase, blobs: BlobStore,
        changes: JobChangeHub = JobChangeHub(), running: RunningJobs = RunningJobs(), gpus: [GPUDescription] = []
    ) {
        self.configuration = configuration
        self.database = database
        self.blobs = blobs
        self.changes = changes
        self.running = running
        self.gpus = gpus
    }

    /// Where a job's files live while it runs (its dataset folder, outputs, caches); deleted when it ends.
    public func workFolder(ofJob id: String) -> URL {
        configuration.dataDirectory.appendingPathComponent("work", isDirectory: true)
            .appendingPathComponent(id, isDirectory: true)
    }

    /// Opens the data directory's database (migrating it) and blob store, and empties `<data-dir>/tmp/`, where
    /// requests stage their files: what is there was left by a process that stopped mid-request.
    public static func open(
        configuration: ServerConfiguration, gpus: [GPUDescription] = []
    ) throws -> ServerServices {
        let staging = configuration.dataDirectory.appendingPathComponent("tmp", isDirectory: true)
        for leftover in (try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? [] {
            try? FileManager.default.removeItem(at: staging.appendingPathComponent(leftover))
        }
        let database = try StoreDatabase(dataDirectory: configuration.dataDirectory)
        let blobs = try BlobStore(dataDirectory: configuration.dataDirectory)
        return ServerServices(configuration: configuration, database: database, blobs: blobs, gpus: gpus)
    }

    /// Opens the data directory as a server start does: `open`, then recovery from the last run (`StartupRecovery`),
    /// the demo's registration on a first start (`DemoRegistration`, before the models folders are scanned so that
    /// its id is free), and the scan of the models folders.
    public static func prepare(
        configuration: ServerConfiguration, gpus: [GPUDescription] = [], logger: Logger
    ) throws -> ServerServices {
        let services = try open(configuration: configuration, gpus: gpus)
        try StartupRecovery.run(services, logger: logger)
        DemoRegistration.run(services, logger: logger)
        try ModelCatalog.refresh(folders: configuration.modelsDirectories, database: services.database, logger: logger)
        return services
    }
}
