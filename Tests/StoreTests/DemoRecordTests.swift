import Foundation
import GRDB
import Testing

@testable import Store

/// The records behind "registered once": a database knows whether this open created it, and the `demo` row outlives
/// the model and dataset it names.
@Suite struct DemoRecordTests {
    @Test func onlyTheFirstOpenOfADataDirectoryCreatesTheDatabase() throws {
        let directory = try TemporaryDirectory()
        #expect(try StoreDatabase(dataDirectory: directory.url).wasCreated)
        #expect(try StoreDatabase(dataDirectory: directory.url).wasCreated == false)
        #expect(try StoreDatabase.inMemory().wasCreated)
    }

    @Test func aDatabaseWithEarlierMigrationsIsNotCreatedAgainByNewOnes() throws {
        let directory = try TemporaryDirectory()
        let bundled = try MigrationFiles.bundled()
        let first = directory.url.appendingPathComponent("first")
        try FileManager.default.createDirectory(at: first, withIntermediateDirectories: true)
        try bundled.files[0].sql.write(
            to: first.appendingPathComponent(bundled.files[0].name), atomically: true, encoding: .utf8)
        let data = directory.url.appendingPathComponent("data")
        #expect(try StoreDatabase(dataDirectory: data, migrations: MigrationFiles(folder: first)).wasCreated)
        let upgraded = try StoreDatabase(dataDirectory: data)
        #expect(upgraded.wasCreated == false)
        #expect(try upgraded.appliedMigrations() == bundled.files.map(\.name))
    }

    @Test func deletingTheDemoModelOrDatasetEmptiesItsColumnAndKeepsTheRow() throws {
        let database = try StoreDatabase.inMemory()
        try database.writer.write { db in
            try BaseModel(
                id: "demo", path: "/demo/model", architecture: "sd1", format: "diffusers", size: 1, foundAt: 0,
                origin: .registered
            ).insert(db)
            try Dataset(id: "d1", name: "demo: zkz", createdAt: 0, source: .folder).insert(db)
            try DemoRecord(modelID: "demo", datasetID: "d1", registeredAt: 7).insert(db)
        }
        let registered = try database.writer.read { db in try DemoRecord.current(db) }
        #expect(registered == DemoRecord(modelID: "demo", datasetID: "d1", registeredAt: 7))
        #expect(try database.writer.read { db in try BaseModel.fetchOne(db, key: "demo")?.origin } == .registered)

        try database.writer.write { db in _ = try BaseModel.deleteOne(db, key: "demo") }
        #expect(try database.writer.read { db in try DemoRecord.current(db) }?.modelID == nil)
        try database.writer.write { db in _ = try Dataset.deleteOne(db, key: "d1") }
        #expect(
            try database.writer.read { db in try DemoRecord.current(db) }
                == DemoRecord(modelID: nil, datasetID: nil, registeredAt: 7))
    }

    @Test func thereIsOneDemoRowAtMost() throws {
        let database = try StoreDatabase.inMemory()
        try database.writer.write { db in try DemoRecord(modelID: nil, datasetID: nil, registeredAt: 1).insert(db) }
        #expect(throws: DatabaseError.self) {
            try database.writer.write { db in
                try db.execute(sql: "INSERT INTO demo (id, registered_at) VALUES (2, 1)")
            }
        }
        #expect(throws: DatabaseError.self) {
            try database.writer.write { db in
                try DemoRecord(modelID: nil, datasetID: nil, registeredAt: 2).insert(db)
            }
        }
    }
}
