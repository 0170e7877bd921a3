import Foundation
import GRDB
import Testing

@testable import Store

@Suite struct BlobCollectionTests {
    @Test func aBlobWrittenBeforeACrashThatPrecededTheCommitIsCollectedAtStartUp() throws {
        let directory = try TemporaryDirectory()
        let blobs = try BlobStore(dataDirectory: directory.url)
        var orphan: BlobReference?
        do {
            let database = try StoreDatabase(dataDirectory: directory.url)
            try database.writer.write { db in try Fixtures.insertModelAndDataset(db) }
            let written = try blobs.put(Data("sample png".utf8), mediaType: "image/png")
            orphan = written
            // The crash: the transaction that would reference the blob throws before it commits.
            struct Crash: Error {}
            #expect(throws: Crash.self) {
                try database.writer.write { db in
                    try written.register(db)
                    _ = try Job.enqueue(Fixtures.newJob(), db)
                    throw Crash()
                }
            }
        }
        let blob = try #require(orphan)
        #expect(try blobs.contains(blob.sha256))

        let restarted = try StoreDatabase(dataDirectory: directory.url)
        let collection = try restarted.collectUnreferencedBlobs(in: blobs)
        #expect(collection.deletedBlobs == [blob.sha256])
        #expect(try !blobs.contains(blob.sha256))
    }

    @Test func everyReferencedBlobSurvivesCollectionAndUnreferencedRowsGo() throws {
        let directory = try TemporaryDirectory()
        let database = try StoreDatabase(dataDirectory: directory.url)
        let blobs = try BlobStore(dataDirectory: directory.url)
        let image = try blobs.put(Data("image".utf8), mediaType: "image/jpeg")
        let checkpoint = try blobs.put(Data("lora".utf8), mediaType: "application/octet-stream")
        let sample = try blobs.put(Data("sample".utf8), mediaType: "image/png")
        let resume = try blobs.put(Data("resume".utf8), mediaType: "application/octet-stream")
        let unreferenced = try blobs.put(Data("was a sample of a deleted job".utf8), mediaType: "image/png")

        try database.writer.write { db in
            try Fixtures.insertModelAndDataset(db)
            for blob in [image, checkpoint, sample, resume, unreferenced] { try blob.register(db) }
            try db.execute(
                sql: """
                    INSERT INTO dataset_images (dataset_id, position, blob_sha256, file_name, caption, width, height)
                    VALUES (?, 0, ?, 'cat.jpg', 'a cat', 512, 768)
                    """,
                arguments: [Fixtures.datasetID, image.sha256])
            var job = try Job.enqueue(Fixtures.newJob(), db).job
            job.resumeStateSHA256 = resume.sha256
            try job.update(db)
            // A job without a resume state: its NULL must not hide the other references.
            _ = try Job.enqueue(Fixtures.newJob(key: "second"), db)
            try db.execute(
                sql: """
                    INSERT INTO checkpoints (job_id, step, epoch, blob_sha256, is_final, created_at)
                    VALUES (?, 100, 1, ?, 1, 0)
                    """,
                arguments: [job.id, checkpoint.sha256])
            try db.execute(
                sql: """
                    INSERT INTO samples (job_id, step, prompt_index, blob_sha256, created_at)
                    VALUES (?, 100, 0, ?, 0)
                    """,
                arguments: [job.id, sample.sha256])
        }

        let collection = try database.collectUnreferencedBlobs(in: blobs)
        #expect(collection.deletedBlobs == [unreferenced.sha256])
        for blob in [image, checkpoint, sample, resume] { #expect(try blobs.contains(blob.sha256)) }
        let registered = try database.writer.read { db in try String.fetchSet(db, sql: "SELECT sha256 FROM blobs") }
        #expect(registered == [image.sha256, checkpoint.sha256, sample.sha256, resume.sha256])
    }

    @Test func aRowCannotReferenceAnUnregisteredBlob() throws {
        let database = try StoreDatabase.inMemory()
        try database.writer.write { db in try Fixtures.insertModelAndDataset(db) }
        #expect(throws: DatabaseError.self) {
            try database.writer.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO dataset_images (dataset_id, position, blob_sha256, file_name, width, height)
                        VALUES (?, 0, ?, 'cat.jpg', 512, 512)
                        """,
                    arguments: [Fixtures.datasetID, String(repeating: "0", count: 64)])
            }
        }
    }
}
