import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// A configuration for in-process tests: a static folder of its own, optionally a token.
func testConfiguration(token: String? = nil, staticDirectory: URL? = nil) -> ServerConfiguration {
    ServerConfiguration(
        port: 0, dataDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("lorad-server-tests"),
        token: token,
        staticDirectory: staticDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("absent"))
}

/// A fresh temporary folder, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-server-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

/// The problem document of a response, after checking its media type.
func problemDocument(_ response: TestResponse) throws -> ProblemError.Document {
    #expect(response.headers[.contentType] == "application/problem+json")
    return try JSONDecoder().decode(ProblemError.Document.self, from: Data(response.body.readableBytesView))
}

func bodyString(_ response: TestResponse) -> String {
    String(buffer: response.body)
}
