import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

@Suite struct DatasetsImportTests {
    @Test func multipartUploadStoresImagesCaptionsAndBlobs() async throws {
        let server = try DatasetTestServer()
        let (first, second, third) = (
            try testPNG(seed: 1), try testPNG(width: 32, height: 80, seed: 2), try testPNG(seed: 3)
        )
        var body = MultipartBody()
        body.field("name", "Sks dog")
        body.field("repeats", "3")
        body.field("class_tokens", "sks dog")
        body.file("b.png", first)
        body.file("b.txt", Data("a photo of sks dog\nsecond line".utf8))
        body.file("a.png", second)
        body.file("5_other thing/c.png", third)
        body.file(".DS_Store", Data("junk".utf8))
        let upload = body
        try await server.test { client in
            let response = try await client.execute(
                uri: "/v1/datasets", method: .post, headers: [.contentType: upload.contentType], body: upload.finished)
            #expect(response.status == .created, "\(bodyString(response))")
            let json = try jsonObject(response)
            let id = try #require(json["id"] as? String)
            #expect(response.headers[.location] == "/v1/datasets/\(id)")
            #expect(json["name"] as? String == "Sks dog")
            #expect(json["source"] as? String == "upload")
            #expect(json["image_count"] as? Int == 3)
            #expect((json["created_at"] as? String)?.hasSuffix("Z") == true)
            let images = try #require(json["images"] as? [[String: Any]])
            #expect(
                images.map { $0["path"] as? String } == ["3_sks dog/a.png", "3_sks dog/b.png", "5_other thing/c.png"])
            #expect(images.map { $0["position"] as? Int } == [0, 1, 2])
            #expect(images[1]["caption"] as? String == "a photo of sks dog\nsecond line")
            #expect(images[0]["caption"] is NSNull)
            #expect(images[0]["width"] as? Int == 32 && images[0]["height"] as? Int == 80)
            #expect(images[2]["size"] as? Int == third.count)
            #expect(images[0]["url"] as? String == "/v1/datasets/\(id)/images/0")
            let check = try #require(json["check"] as? [String: Any])
            #expect(check["trainDataDir"] as? String == ".")
            // The scratch folder the check ran in shows nowhere (paths are relative to the dataset).
            #expect(!bodyString(response).contains(server.dataDirectory.path))
            #expect((check["warnings"] as? [String])?.contains { $0.hasPrefix("3_sks dog: ") } == true)
            // 2 images × 3 repeats + 1 image × 5 repeats.
            #expect(check["trainImages"] as? Int == 11)
            #expect((check["errors"] as? [Any])?.isEmpty == true)
            let concepts = try #require(check["concepts"] as? [[String: Any]])
            #expect(concepts.map { $0["folder"] as? String } == ["3_sks dog", "5_other thing"])
            #expect(concepts[0]["imagesWithoutCaptions"] as? [String] == ["3_sks dog/a.png"])

            let digest = try #require(images[1]["sha256"] as? String)
            #expect(try Data(contentsOf: server.services.blobs.url(for: digest)) == first)
        }
        let counts = try server.storedCounts()
        #expect(counts["datasets"] == 1 && counts["dataset_images"] == 3 && counts["blobs"] == 3)
        #expect(counts["blob files"] == 3)
        #expect(counts["staging entries"] == 0)
    }

    @Test func rawZipWithATopFolderIsUnpackedAsAKohyaLayout() async throws {
        let server = try DatasetTestServer()
        var zip = ZipBuilder()
        zip.add("export/10_cat/one.png", try testPNG(seed: 4))
        zip.add("export/10_cat/one.TXT", Data("a cat".utf8), compress: false)
        zip.add("export/two.png", try testPNG(seed: 5), compress: false)
        zip.add("export/", Data(), unixMode: 0o040755)
        zip.add("__MACOSX/export/._two.png", Data("resource fork".utf8))
        zip.add("export/.hidden.png", Data("not even an image".utf8))
        let archive = zip.data
        try await server.test { client in
            let response = try await client.execute(
                uri: "/v1/datasets?name=cats&repeats=2", method: .post, headers: [.contentType: "application/zip"],
                body: ByteBuffer(bytes: archive))
            #expect(response.status == .created, "\(bodyString(response))")
            let json = try jsonObject(response)
            #expect(json["source"] as? String == "archive")
            #expect(json["name"] as? String == "cats")
            let images = try #require(json["images"] as? [[String: Any]])
            #expect(images.map { $0["path"] as? String } == ["10_cat/one.png", "2_cats/two.png"])
            #expect(images[0]["caption"] as? String == "a cat")
        }
    }

    @Test func multipartTarGzWithLongNamesIsUnpacked() async throws {
        let server = try DatasetTestServer()
        let longStem = String(repeating: "long", count: 40)
        var tar = TarBuilder()
        tar.folder("./")
        tar.folder("./1_pax/")
        tar.paxFile("1_pax/\(longStem)-pax.png", try testPNG(seed: 6))
        tar.gnuLongNameFile("1_pax/\(longStem)-gnu.png", try testPNG(seed: 7))
        tar.file("./1_pax/\(longStem.prefix(10)).png", try testPNG(seed: 8))
        var body = MultipartBody()
        body.file("pictures.tar.gz", gzipped(tar.finished))
        let upload = body
        try await server.test { client in
            let response = try await client.execute(
                uri: "/v1/datasets", method: .post, headers: [.contentType: upload.contentType], body: upload.finished)
            #expect(response.status == .created, "\(bodyString(response))")
            let json = try jsonObject(response)
            #expect(json["name"] as? String == "pictures")
            #expect(json["source"] as? String == "archive")
            let paths = try #require(json["images"] as? [[String: Any]]).compactMap { $0["path"] as? String }
            #expect(
                paths == ["1_pax/\(longStem)-gnu.png", "1_pax/\(longStem)-pax.png", "1_pax/longlonglo.png"].sorted())
        }
    }

    @Test func rawTarIsUnpacked() async throws {
        let server = try DatasetTestServer()
        var tar = TarBuilder()
        tar.file("4_tree/oak.png", try testPNG(seed: 9))
        tar.file("4_tree/oak.txt", Data("an oak".utf8))
        let archive = tar.finished
        try await server.test { client in
            let response = try await client.execute(
                uri: "/v1/datasets", method: .post, headers: [.contentType: "application/x-tar"],
                body: ByteBuffer(bytes: archive))
            #expect(response.status == .created, "\(bodyString(response))")
            let images = try #require(try jsonObject(response)["images"] as? [[String: Any]])
            #expect(images.map { $0["path"] as? String } == ["4_tree/oak.png"])
            #expect(images.map { $0["caption"] as? String } == ["an oak"])
        }
    }

    @Test func folderUnderADatasetRootIsCopiedIn() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let concept = root.appendingPathComponent("shoots/10_sks")
        try FileManager.default.createDirectory(at: concept, withIntermediateDirectories: true)
        try testPNG(seed: 10).write(to: concept.appendingPathComponent("a.png"))
        try Data("caption a".utf8).write(to: concept.appendingPathComponent("a.txt"))
        try testPNG(seed: 11).write(to: root.appendingPathComponent("elsewhere.png"))
        // A link to a file elsewhere under the root is followed.
        try FileManager.default.createSymbolicLink(
            at: concept.appendingPathComponent("b.png"),
            withDestinationURL: root.appendingPathComponent("elsewhere.png"))
        let server = try DatasetTestServer(datasetRoots: [root])
        try await server.test { client in
            let response = try await client.execute(
                uri: "/v1/datasets", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"name": "shoot", "path": "shoots"}"#))
            #expect(response.status == .created, "\(bodyString(response))")
            let json = try jsonObject(response)
            #expect(json["source"] as? String == "folder")
            let images = try #require(json["images"] as? [[String: Any]])
            #expect(images.map { $0["path"] as? String } == ["10_sks/a.png", "10_sks/b.png"])
            #expect(images.map { $0["caption"] as? String } == ["caption a", nil])
        }
        // The source folder is untouched.
        #expect(FileManager.default.fileExists(atPath: concept.appendingPathComponent("a.png").path))
    }
}
