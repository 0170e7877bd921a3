import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

@Suite struct StaticFileTests {
    let contents = "0123456789abcdefghij"

    private func withStaticApplication(_ body: @Sendable @escaping (any TestClientProtocol) async throws -> Void)
        async throws
    {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(contents.utf8).write(to: directory.appendingPathComponent("file.txt"))
        try Data("<h1>lorad</h1>".utf8).write(to: directory.appendingPathComponent("index.html"))
        let application = try testApplication(try testConfiguration(staticDirectory: directory))
        try await application.test(.router, body)
    }

    @Test func servesFilesWithETagAndConditionalRequests() async throws {
        let contents = self.contents
        try await withStaticApplication { client in
            let response = try await client.execute(uri: "/file.txt", method: .get)
            #expect(response.status == .ok)
            #expect(bodyString(response) == contents)
            let etag = try #require(response.headers[.eTag])
            let again = try await client.execute(uri: "/file.txt", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            let index = try await client.execute(uri: "/", method: .get)
            #expect(index.status == .ok)
            #expect(bodyString(index) == "<h1>lorad</h1>")
        }
    }

    @Test func servesByteRanges() async throws {
        let contents = self.contents
        try await withStaticApplication { client in
            let response = try await client.execute(uri: "/file.txt", method: .get, headers: [.range: "bytes=5-9"])
            #expect(response.status == .partialContent)
            #expect(bodyString(response) == "56789")
            #expect(response.headers[.contentRange] == "bytes 5-9/\(contents.utf8.count)")
        }
    }

    @Test func pathTraversalIsRejected() async throws {
        try await withStaticApplication { client in
            let response = try await client.execute(uri: "/../etc/passwd", method: .get)
            #expect(response.status == .badRequest)
            #expect(try problemDocument(response).status == 400)
        }
    }
}
