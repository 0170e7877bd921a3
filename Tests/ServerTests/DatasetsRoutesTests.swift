import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

@Suite struct DatasetsRoutesTests {
    /// Uploads two images (the first with a caption) and returns the dataset's id.
    static func upload(
        _ client: any TestClientProtocol, name: String = "dogs", first: Data, second: Data
    ) async throws -> String {
        var body = MultipartBody()
        body.field("name", name)
        body.file("1_dog/a.png", first)
        body.file("1_dog/a.txt", Data("first caption".utf8))
        body.file("1_dog/b.png", second)
        let response = try await client.execute(
            uri: "/v1/datasets", method: .post, headers: [.contentType: body.contentType], body: body.finished)
        #expect(response.status == .created, "\(bodyString(response))")
        return try #require(try jsonObject(response)["id"] as? String)
    }

    @Test func listDetailAndImageBytes() async throws {
        let server = try DatasetTestServer()
        let (first, second) = (try testPNG(seed: 1), try testPNG(seed: 2))
        try await server.test { client in
            let empty = try await client.execute(uri: "/v1/datasets", method: .get)
            #expect(try jsonObject(empty)["datasets"] as? [Any] != nil)
            #expect(try jsonObject(empty)["next_cursor"] is NSNull)

            let older = try await Self.upload(client, name: "older", first: first, second: second)
            try await Task.sleep(for: .milliseconds(5))
            let newer = try await Self.upload(client, name: "newer", first: second, second: first)
            let list = try await client.execute(uri: "/v1/datasets", method: .get)
            #expect(list.status == .ok)
            let datasets = try #require(try jsonObject(list)["datasets"] as? [[String: Any]])
            #expect(datasets.map { $0["id"] as? String } == [newer, older])
            #expect(datasets.map { $0["image_count"] as? Int } == [2, 2])
            #expect(datasets[0]["images"] == nil)

            let detail = try await client.execute(uri: "/v1/datasets/\(older)", method: .get)
            #expect(detail.status == .ok)
            let json = try jsonObject(detail)
            #expect(json["name"] as? String == "older")
            #expect((json["images"] as? [Any])?.count == 2)
            #expect((json["check"] as? [String: Any])?["trainImages"] as? Int == 2)

            let bytes = try await client.execute(uri: "/v1/datasets/\(older)/images/1", method: .get)
            #expect(bytes.status == .ok)
            #expect(bytes.headers[.contentType] == "image/png")
            #expect(Data(bytes.body.readableBytesView) == second)
        }
    }

    @Test func unknownIdsAndPositions() async throws {
        let server = try DatasetTestServer()
        try await server.test { client in
            let id = try await Self.upload(client, first: try testPNG(seed: 1), second: try testPNG(seed: 2))
            let missing = "00000000-0000-4000-8000-000000000000"
            for (uri, method) in [
                ("/v1/datasets/\(missing)", HTTPRequest.Method.get), ("/v1/datasets/\(missing)", .delete),
                ("/v1/datasets/\(missing)/images/0", .get), ("/v1/datasets/\(id)/images/2", .get),
            ] {
                let response = try await client.execute(uri: uri, method: method)
                #expect(response.status == .notFound, "\(method) \(uri)")
            }
            for position in ["-1", "one", "1.5"] {
                let response = try await client.execute(uri: "/v1/datasets/\(id)/images/\(position)", method: .get)
                #expect(response.status == .unprocessableContent, "\(position)")
                #expect(try problemDocument(response).errors?.first?.field == "position")
            }
            let patch = try await client.execute(
                uri: "/v1/datasets/\(missing)/images/0", method: .patch, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"caption": "x"}"#))
            #expect(patch.status == .notFound)
        }
    }

    @Test func captionEditsReachTheDetailAndTheCheck() async throws {
        let server = try DatasetTestServer()
        try await server.test { client in
            let id = try await Self.upload(client, first: try testPNG(seed: 1), second: try testPNG(seed: 2))
            let set = try await client.execute(
                uri: "/v1/datasets/\(id)/images/1", method: .patch, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"caption": "a new caption"}"#))
            #expect(set.status == .ok)
            let image = try jsonObject(set)
            #expect(image["caption"] as? String == "a new caption")
            #expect(image["path"] as? String == "1_dog/b.png")

            let removed = try await client.execute(
                uri: "/v1/datasets/\(id)/images/0", method: .patch, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"caption": null}"#))
            #expect(removed.status == .ok)
            #expect(try jsonObject(removed)["caption"] is NSNull)

            let detail = try jsonObject(try await client.execute(uri: "/v1/datasets/\(id)", method: .get))
            let images = try #require(detail["images"] as? [[String: Any]])
            #expect(images[0]["caption"] is NSNull)
            #expect(images[1]["caption"] as? String == "a new caption")
            let concepts = try #require((detail["check"] as? [String: Any])?["concepts"] as? [[String: Any]])
            #expect(concepts.first?["imagesWithoutCaptions"] as? [String] == ["1_dog/a.png"])

            for bad in [
                #"{}"#, #"{"caption": 5}"#, "nope", #"{"caption": "\#(String(repeating: "x", count: 70_000))"}"#,
            ] {
                let response = try await client.execute(
                    uri: "/v1/datasets/\(id)/images/0", method: .patch, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: bad))
                #expect(response.status == .unprocessableContent, "\(bad.prefix(30))")
                #expect(try problemDocument(response).errors?.first?.field == "caption")
            }
        }
        let captions = try await server.services.database.writer.read { db in
            try String?.fetchAll(db, sql: "SELECT caption FROM dataset_images ORDER BY position")
        }
        #expect(captions == [nil, "a new caption"])
        // The check computed for the last GET is kept.
        let kept = try await server.services.database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT check_json FROM datasets")
        }
        #expect(kept?.contains("imagesWithoutCaptions") == true)
    }

    @Test func deleteIsRefusedWhileAJobNeedsTheDataset() async throws {
        let server = try DatasetTestServer()
        let first = try testPNG(seed: 1)
        try await server.test { client in
            let id = try await Self.upload(client, first: first, second: try testPNG(seed: 2))
            try await server.services.database.writer.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO models (id, path, architecture, format, size, found_at)
                        VALUES ('m1', 'models/sd15.safetensors', 'sd15', 'single_file', 1, 0);
                        INSERT INTO jobs (id, state, config, model_id, dataset_id, created_at)
                        VALUES ('j1', 'training', '{}', 'm1', ?, 0);
                        """,
                    arguments: [id])
            }
            for state in ["queued", "preparing", "training"] {
                try await server.services.database.writer.write { db in
                    try db.execute(sql: "UPDATE jobs SET state = ? WHERE id = 'j1'", arguments: [state])
                }
                let refused = try await client.execute(uri: "/v1/datasets/\(id)", method: .delete)
                #expect(refused.status == .conflict, "\(state)")
                #expect(try problemDocument(refused).detail?.contains("j1") == true)
            }
            try await server.services.database.writer.write { db in
                try db.execute(sql: "DELETE FROM jobs")
            }
            let deleted = try await client.execute(uri: "/v1/datasets/\(id)", method: .delete)
            #expect(deleted.status == .noContent)
            let gone = try await client.execute(uri: "/v1/datasets/\(id)", method: .get)
            #expect(gone.status == .notFound)
        }
        let counts = try server.storedCounts()
        #expect(counts["datasets"] == 0 && counts["dataset_images"] == 0)
        // The blobs stay until start-up collection, which then removes them.
        #expect(counts["blob files"] == 2)
        let collected = try server.services.database.collectUnreferencedBlobs(in: server.services.blobs)
        #expect(collected.deletedBlobs.count == 2)
    }

    @Test func finishedJobsStillHoldTheDataset() async throws {
        let server = try DatasetTestServer()
        try await server.test { client in
            let id = try await Self.upload(client, first: try testPNG(seed: 1), second: try testPNG(seed: 2))
            try await server.services.database.writer.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO models (id, path, architecture, format, size, found_at)
                        VALUES ('m1', 'models/sd15.safetensors', 'sd15', 'single_file', 1, 0);
                        INSERT INTO jobs (id, state, config, model_id, dataset_id, created_at)
                        VALUES ('j-done', 'succeeded', '{}', 'm1', ?, 0);
                        """,
                    arguments: [id])
            }
            let refused = try await client.execute(uri: "/v1/datasets/\(id)", method: .delete)
            #expect(refused.status == .conflict)
            #expect(try problemDocument(refused).detail?.contains("j-done") == true)
        }
    }
}
