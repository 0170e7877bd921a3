import Foundation
import GRDB
import Testing

@testable import Store

@Suite struct DatasetRecordTests {
    @Test func datasetPathRules() {
        for safe in ["10_sks dog/a.png", "a.png", "1_x/ünïcode ✓.jpg"] {
            #expect(DatasetPath.problem(with: safe) == nil, "\(safe)")
        }
        for unsafe in [
            "", "/a.png", "../a.png", "1_x/../a.png", "1_x/./a.png", "1_x//a.png", "1_x/", "a\u{0}.png", "a\n.png",
            "a\u{7F}.png", "a\\b.png", String(repeating: "x", count: 256),
        ] {
            #expect(DatasetPath.problem(with: unsafe) != nil, "\(unsafe.debugDescription)")
        }
        #expect(DatasetPath.problem(with: String(repeating: "é", count: 126) + ".x") == nil)  // 252 + 2 bytes
        #expect(DatasetPath.problem(with: String(repeating: "é", count: 128)) != nil)  // 256 bytes
    }

    private func image(_ fileName: String, sha256: String, datasetID: String = "d1") -> DatasetImage {
        DatasetImage(
            datasetID: datasetID, position: 0, blobSHA256: sha256, fileName: fileName, caption: "c", width: 4,
            height: 3)
    }

    @Test func insertStoresTheDatasetItsImagesAndTheirBlobRows() throws {
        let database = try StoreDatabase.inMemory()
        let blob = BlobReference(sha256: String(repeating: "a", count: 64), size: 10, mediaType: "image/png")
        let dataset = Dataset(id: "d1", name: "dogs", createdAt: 5, source: .archive)
        try database.writer.write { db in
            try Dataset.insert(dataset, images: [image("1_dog/a.png", sha256: blob.sha256)], blobs: [blob], db)
        }
        let (stored, fileNames, mediaType) = try database.writer.read { db in
            (
                try Dataset.fetchOne(db, key: "d1"), try DatasetImage.all(datasetID: "d1", db).map(\.fileName),
                try String.fetchOne(db, sql: "SELECT media_type FROM blobs")
            )
        }
        #expect(stored == dataset)
        #expect(fileNames == ["1_dog/a.png"])
        #expect(mediaType == "image/png")
    }

    @Test func insertRefusesUnsafePathsUnregisteredBlobsAndForeignImages() throws {
        let database = try StoreDatabase.inMemory()
        let blob = BlobReference(sha256: String(repeating: "b", count: 64), size: 10, mediaType: "image/png")
        let dataset = Dataset(id: "d1", name: "dogs", createdAt: 5, source: .upload)
        #expect(throws: StoreError.self) {
            try database.writer.write { db in
                try Dataset.insert(dataset, images: [image("../a.png", sha256: blob.sha256)], blobs: [blob], db)
            }
        }
        #expect(throws: StoreError.blobNotFound(sha256: blob.sha256)) {
            try database.writer.write { db in
                try Dataset.insert(dataset, images: [image("1_a/a.png", sha256: blob.sha256)], blobs: [], db)
            }
        }
        #expect(throws: StoreError.datasetMismatch(image: "1_a/a.png")) {
            try database.writer.write { db in
                try Dataset.insert(
                    dataset, images: [image("1_a/a.png", sha256: blob.sha256, datasetID: "other")], blobs: [blob], db)
            }
        }
        let count = try database.writer.read { db in try Dataset.fetchCount(db) }
        #expect(count == 0)
    }

    @Test func jobsThatHoldADataset() throws {
        let database = try StoreDatabase.inMemory()
        try database.writer.write { db in
            try Fixtures.insertModelAndDataset(db)
            for (id, state) in [("j1", "queued"), ("j2", "succeeded"), ("j3", "training"), ("j4", "failed")] {
                try db.execute(
                    sql: """
                        INSERT INTO jobs (id, state, config, model_id, dataset_id, created_at)
                        VALUES (?, ?, '{}', ?, ?, ?)
                        """,
                    arguments: [id, state, Fixtures.modelID, Fixtures.datasetID, id.dropFirst().description])
            }
        }
        let (active, referencing, otherActive) = try database.writer.read { db in
            (
                try Dataset.activeJobIDs(datasetID: Fixtures.datasetID, db),
                try Dataset.referencingJobIDs(datasetID: Fixtures.datasetID, db),
                try Dataset.activeJobIDs(datasetID: "other", db)
            )
        }
        #expect(active == ["j1", "j3"])
        #expect(referencing == ["j1", "j2", "j3", "j4"])
        #expect(otherActive.isEmpty)
    }
}
