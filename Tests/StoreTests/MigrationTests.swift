import Crypto
import Foundation
import GRDB
import Testing

@testable import Store

@Suite struct MigrationTests {
    @Test func bundledMigrationsCreateTheSchemaAndAreRecordedByFileName() throws {
        let directory = try TemporaryDirectory()
        let database = try StoreDatabase(dataDirectory: directory.url)
        let bundled = try MigrationFiles.bundled()
        #expect(bundled.files.first?.name == "0001_initial.sql")
        #expect(try database.appliedMigrations() == bundled.files.map(\.name))
        let tables = try database.writer.read { db in
            try Set(String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table'"))
        }
        let expected: Set<String> = [
            "blobs", "models", "datasets", "dataset_images", "jobs", "job_events", "checkpoints", "samples",
        ]
        #expect(expected.isSubset(of: tables))
        #expect(FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("lorad.sqlite").path))
    }

    /// A shipped migration never changes (a database that applied it would not see the change): this list records each
    /// one's sha256 when it ships. A new migration adds a line; a changed digest means a shipped file was edited.
    static let shippedDigests = [
        "0001_initial.sql": "b8910560d502dc14b8f7a74ad5b852b446f176d77ad9c7ec377aea3cfb4b8ac5",
        "0002_job_outputs.sql": "9498f6c872b956fc7673bced97bc969f1e07fd8b48531a110205035f6c5fd992",
        "0003_datasets.sql": "9b4bc29d334f240460b50b5ad2fe57c3bf0e057465b8fac71b70d8885e3a2ad6",
        "0004_webhooks.sql": "6bf355b4ac1b0f91b56f6f22670ed0400b238e01240883e7dc0c2422ec140b78",
        "0005_grids.sql": "fd9fdcf752dfbfc2b46da31140cf42f2eb51f6dbabd49325b82cc8772864a494",
        "0006_demo.sql": "790e23ce79e7ee0d2101646c5e3dc25f011ec93b2de2bc587568e35b2e07b9d5",
    ]

    @Test func shippedMigrationsAreUnchanged() throws {
        for file in try MigrationFiles.bundled().files {
            let digest = SHA256.hash(data: Data(file.sql.utf8)).map { String(format: "%02x", $0) }.joined()
            #expect(Self.shippedDigests[file.name] == digest, "\(file.name) changed or is not recorded as shipped")
        }
    }

    /// Package.swift lists each migration as a resource (SwiftPM has no globs): one left out would never apply.
    @Test func everyMigrationInTheSourceFolderIsBundled() throws {
        let sourceFolder = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Migrations")
        let inSource = try FileManager.default.contentsOfDirectory(atPath: sourceFolder.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!inSource.isEmpty)
        #expect(try MigrationFiles.bundled().files.map(\.name) == inSource)
    }

    @Test func theDatabaseIsInWALModeWithForeignKeysOn() throws {
        let directory = try TemporaryDirectory()
        let database = try StoreDatabase(dataDirectory: directory.url)
        let (journalMode, foreignKeys) = try database.writer.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Bool.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(journalMode == "wal")
        #expect(foreignKeys == true)
    }

    @Test func reopeningAppliesOnlyTheNewMigrationsInNumberOrder() throws {
        let directory = try TemporaryDirectory()
        let folder = directory.url.appendingPathComponent("migrations")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "CREATE TABLE a (x INTEGER);".write(
            to: folder.appendingPathComponent("0001_a.sql"), atomically: true, encoding: .utf8)
        try "not a migration".write(to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        let data = directory.url.appendingPathComponent("data")
        _ = try StoreDatabase(dataDirectory: data, migrations: MigrationFiles(folder: folder))

        // 0010 sorts after 0002 by number; it needs b, so applying it first would fail.
        try "CREATE TABLE b (x INTEGER); INSERT INTO a VALUES (1);"
            .write(to: folder.appendingPathComponent("0002_b.sql"), atomically: true, encoding: .utf8)
        try "INSERT INTO b SELECT x FROM a;"
            .write(to: folder.appendingPathComponent("0010_copy.sql"), atomically: true, encoding: .utf8)
        let reopened = try StoreDatabase(dataDirectory: data, migrations: MigrationFiles(folder: folder))
        #expect(try reopened.appliedMigrations() == ["0001_a.sql", "0002_b.sql", "0010_copy.sql"])
        // 0001 ran once: a second run would have failed on CREATE TABLE a.
        #expect(try reopened.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM b") } == 1)
    }

    @Test func aFailingMigrationIsNamedAndLeavesTheEarlierOnesApplied() throws {
        let directory = try TemporaryDirectory()
        let folder = directory.url.appendingPathComponent("migrations")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "CREATE TABLE a (x INTEGER);"
            .write(to: folder.appendingPathComponent("0001_a.sql"), atomically: true, encoding: .utf8)
        try "CREATE TABLE b (x INTEGER); INSERT INTO missing VALUES (1);"
            .write(to: folder.appendingPathComponent("0002_bad.sql"), atomically: true, encoding: .utf8)
        let data = directory.url.appendingPathComponent("data")
        #expect(throws: StoreError.migrationFailed(file: "0002_bad.sql", reason: "no such table: missing")) {
            try StoreDatabase(dataDirectory: data, migrations: MigrationFiles(folder: folder))
        }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("0002_bad.sql"))
        let reopened = try StoreDatabase(dataDirectory: data, migrations: MigrationFiles(folder: folder))
        #expect(try reopened.appliedMigrations() == ["0001_a.sql"])
        // 0002 ran in one transaction: its first statement was rolled back with the failing one.
        let tables = try reopened.writer.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('a', 'b')")
        }
        #expect(tables == ["a"])
    }

    @Test func aFileThatIsNotADatabaseIsNamed() throws {
        let directory = try TemporaryDirectory()
        let path = directory.url.appendingPathComponent("lorad.sqlite").path
        try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreError.self) { try StoreDatabase(dataDirectory: directory.url) }
        do {
            _ = try StoreDatabase(dataDirectory: directory.url)
        } catch let StoreError.databaseUnusable(errorPath, reason) {
            #expect(errorPath == path)
            #expect(reason.contains("not a database"))
        }
    }

    @Test(arguments: ["1_a.sql", "0001-a.sql", "0001_.sql", "0001_A.sql", "abcd_a.sql"])
    func aBadlyNamedMigrationIsRefused(name: String) throws {
        let directory = try TemporaryDirectory()
        try "SELECT 1;".write(to: directory.url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        #expect(throws: StoreError.badMigrationName(file: name)) { try MigrationFiles(folder: directory.url) }
    }

    @Test func twoMigrationsWithOneNumberAreRefused() throws {
        let directory = try TemporaryDirectory()
        for name in ["0003_a.sql", "0003_b.sql"] {
            try "SELECT 1;".write(to: directory.url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        #expect(throws: StoreError.duplicateMigrationNumber(3, files: ["0003_a.sql", "0003_b.sql"])) {
            try MigrationFiles(folder: directory.url)
        }
    }

    @Test func aFolderWithoutMigrationsIsRefused() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: StoreError.self) { try MigrationFiles(folder: directory.url) }
        #expect(throws: StoreError.self) {
            try MigrationFiles(folder: directory.url.appendingPathComponent("missing"))
        }
    }
}
