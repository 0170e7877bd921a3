import Foundation
import GRDB

/// The server's SQLite database: `<data-dir>/lorad.sqlite` in WAL mode through a GRDB `DatabasePool` (many readers,
/// one writer), foreign keys on, migrated to the latest schema when opened.
public final class StoreDatabase: Sendable {
    /// The connection pool; `write` runs a transaction, `read` sees a consistent snapshot.
    public let writer: any DatabaseWriter
    /// Whether no migration had been applied before this open: the database was created now, so what a server does
    /// once in a data directory's life (registering the demo) is due.
    public let wasCreated: Bool

    /// How long a writer waits for another process's write lock before failing with SQLITE_BUSY.
    public static let busyTimeout: TimeInterval = 10

    /// Opens (creating if needed) `<dataDirectory>/lorad.sqlite` and applies the migrations not yet applied.
    public convenience init(dataDirectory: URL, migrations: MigrationFiles? = nil) throws {
        do {
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.io(path: dataDirectory.path, reason: "cannot create the data directory")
        }
        let path = dataDirectory.appendingPathComponent("lorad.sqlite").path
        let migrations = try migrations ?? MigrationFiles.bundled()
        do {
            try self.init(writer: DatabasePool(path: path, configuration: Self.configuration()), migrations: migrations)
        } catch let error as DatabaseError {
            throw StoreError.databaseUnusable(path: path, reason: error.message ?? "\(error)")
        }
    }

    /// A private in-memory database with the same schema and settings, for tests. It has a single connection, so it
    /// cannot show what concurrent connections do: open a temporary data directory for that.
    public static func inMemory(migrations: MigrationFiles? = nil) throws -> StoreDatabase {
        let queue = try DatabaseQueue(configuration: configuration())
        return try StoreDatabase(writer: queue, migrations: migrations ?? MigrationFiles.bundled())
    }

    private init(writer: any DatabaseWriter, migrations: MigrationFiles) throws {
        self.writer = writer
        let migrator = migrations.migrator()
        wasCreated = try writer.read { db in try migrator.appliedIdentifiers(db).isEmpty }
        try migrator.migrate(writer)
    }

    /// The identifiers (file names) of the migrations applied to this database, in order.
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
        }
    }

    private static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            // A committed job or event survives power loss, not only a crash of the process (WAL's NORMAL would not).
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return configuration
    }
}
