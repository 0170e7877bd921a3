import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Store
import Testing
import Training

@testable import Server

@Suite struct DatasetsMaterializerTests {
    @Test func writesTheKohyaFolderThatTrainingReads() async throws {
        let server = try DatasetTestServer()
        let (first, second) = (try testPNG(seed: 1), try testPNG(seed: 2))
        let box = IDBox()
        try await server.test { client in
            box.id = try await DatasetsRoutesTests.upload(client, first: first, second: second)
        }
        let id = try #require(box.id)
        let folder = try makeTemporaryDirectory().appendingPathComponent("train")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let materializer = DatasetMaterializer(database: server.services.database, blobs: server.services.blobs)
        let images = try materializer.materialize(datasetID: id, into: folder)
        #expect(images.map(\.fileName) == ["1_dog/a.png", "1_dog/b.png"])
        #expect(try Data(contentsOf: folder.appendingPathComponent("1_dog/a.png")) == first)
        #expect(try Data(contentsOf: folder.appendingPathComponent("1_dog/b.png")) == second)
        #expect(
            try String(contentsOf: folder.appendingPathComponent("1_dog/a.txt"), encoding: .utf8) == "first caption")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("1_dog/b.txt").path))

        let layout = try DatasetLayout.scan(DatasetSettings(trainDataDir: folder.path))
        #expect(layout.concepts.map(\.repeats) == [1])
        #expect(layout.concepts.first?.images.map(\.caption) == ["first caption", "dog"])

        #expect(throws: DatasetMaterializationError.folderNotEmpty(path: folder.path)) {
            try materializer.materialize(datasetID: id, into: folder)
        }
        #expect(throws: DatasetMaterializationError.datasetNotFound(id: "nope")) {
            try materializer.materialize(datasetID: "nope", into: folder.appendingPathComponent("other"))
        }
    }

    @Test func refusesARowWhosePathWouldEscape() throws {
        let server = try DatasetTestServer()
        let blob = try server.services.blobs.put(try testPNG(), mediaType: "image/png")
        // Written with plain SQL, past the checks of Dataset.insert, as a damaged database might hold it.
        try server.services.database.writer.write { db in
            try blob.register(db)
            try db.execute(
                sql: """
                    INSERT INTO datasets (id, name, created_at, source) VALUES ('d', 'd', 0, 'upload');
                    INSERT INTO dataset_images (dataset_id, position, blob_sha256, file_name, width, height)
                    VALUES ('d', 0, ?, '../escaped.png', 64, 48);
                    """,
                arguments: [blob.sha256])
        }
        let parent = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: parent) }
        let materializer = DatasetMaterializer(database: server.services.database, blobs: server.services.blobs)
        #expect(throws: DatasetMaterializationError.self) {
            try materializer.materialize(datasetID: "d", into: parent.appendingPathComponent("train"))
        }
        #expect(!FileManager.default.fileExists(atPath: parent.appendingPathComponent("escaped.png").path))
    }
}

/// Carries a dataset id out of a `@Sendable` test closure.
final class IDBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: String?

    var id: String? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
