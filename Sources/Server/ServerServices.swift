import Foundation
import Store

/// What the routes and workers share: the configuration, the database and the blob store of the data directory.
public struct ServerServices: Sendable {
    public let configuration: ServerConfiguration
    public let database: StoreDatabase
    public let blobs: BlobStore

    public init(configuration: ServerConfiguration, database: StoreDatabase, blobs: BlobStore) {
        self.configuration = configuration
        self.database = database
        self.blobs = blobs
    }

    /// Opens the data directory's database (migrating it) and blob store, and empties `<data-dir>/tmp/`, where
    /// requests stage their files: what is there was left by a process that stopped mid-request.
    public static func open(configuration: ServerConfiguration) throws -> ServerServices {
        let staging = configuration.dataDirectory.appendingPathComponent("tmp", isDirectory: true)
        for leftover in (try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? [] {
            try? FileManager.default.removeItem(at: staging.appendingPathComponent(leftover))
        }
        let database = try StoreDatabase(dataDirectory: configuration.dataDirectory)
        let blobs = try BlobStore(dataDirectory: configuration.dataDirectory)
        return ServerServices(configuration: configuration, database: database, blobs: blobs)
    }
}
