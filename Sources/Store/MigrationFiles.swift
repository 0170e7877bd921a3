import Foundation
import SchemaMigrations
import GRDB

/// The schema migrations: plain `.sql` files named `NNNN_name.sql`, applied in number order, each one GRDB migration
/// named by its file name. A shipped migration never changes; a new one gets the next number.
public struct MigrationFiles: Sendable {
    /// One migration file.
    public struct File: Sendable, Equatable {
        /// The file name, which is also the migration's identifier in GRDB's `grdb_migrations` table.
        public let name: String
        /// The number the name starts with; it orders the migrations.
        public let number: Int
        /// The SQL statements.
        public let sql: String
    }

    /// The migrations in the order they apply.
    public let files: [File]

    /// The migrations shipped with lorad (the top-level `Migrations/` folder, bundled by its target).
    public static func bundled() throws -> MigrationFiles {
        guard let folder = SchemaMigrations.folder else {
            throw StoreError.migrationsUnreadable(folder: "Migrations", reason: "the bundled migrations are missing")
        }
        return try MigrationFiles(folder: folder)
    }

    /// Reads every `.sql` file of `folder`; other files (a README) are ignored.
    public init(folder: URL) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw StoreError.migrationsUnreadable(folder: folder.path, reason: "\(error.localizedDescription)")
        }
        var files: [File] = []
        for name in names where name.hasSuffix(".sql") {
            guard let number = Self.number(ofMigrationNamed: name) else {
                throw StoreError.badMigrationName(file: name)
            }
            let url = folder.appendingPathComponent(name)
            let sql: String
            do {
                sql = try String(contentsOf: url, encoding: .utf8)
            } catch {
                throw StoreError.io(path: url.path, reason: "not readable as UTF-8 text")
            }
            files.append(File(name: name, number: number, sql: sql))
        }
        guard !files.isEmpty else {
            throw StoreError.migrationsUnreadable(folder: folder.path, reason: "holds no .sql migration")
        }
        files.sort { $0.name < $1.name }  // four-digit numbers first, so name order is number order
        for (earlier, later) in zip(files, files.dropFirst()) where earlier.number == later.number {
            throw StoreError.duplicateMigrationNumber(earlier.number, files: [earlier.name, later.name])
        }
        self.files = files
    }

    /// A migrator that applies the files in order. Foreign keys are checked at the end of each migration, so that a
    /// later migration may rebuild a table the way SQLite's ALTER TABLE documentation describes.
    public func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for file in files {
            let sql = file.sql
            let name = file.name
            migrator.registerMigration(name) { db in
                do {
                    try db.execute(sql: sql)
                } catch let error as DatabaseError {
                    throw StoreError.migrationFailed(file: name, reason: error.message ?? "\(error)")
                }
            }
        }
        return migrator
    }

    /// `0001_initial.sql` → 1; nil for a name that does not follow `NNNN_name.sql`.
    private static func number(ofMigrationNamed name: String) -> Int? {
        let stem = name.dropLast(".sql".count)
        let digits = stem.prefix(4)
        let rest = stem.dropFirst(4)
        guard digits.count == 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            rest.first == "_", rest.count > 1,
            rest.dropFirst().allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
        else { return nil }
        return Int(digits)
    }
}
