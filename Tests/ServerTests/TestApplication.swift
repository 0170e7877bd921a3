import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// A configuration for in-process tests: a data folder of its own (fresh each call), optionally a token and a static
/// folder.
func testConfiguration(token: String? = nil, staticDirectory: URL? = nil) throws -> ServerConfiguration {
    ServerConfiguration(
        port: 0, dataDirectory: try makeTemporaryDirectory(), token: token,
        staticDirectory: staticDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("absent"))
}

/// The application of `configuration` over a freshly opened data directory.
func testApplication(_ configuration: ServerConfiguration) throws -> some ApplicationProtocol {
    buildApplication(services: try ServerServices.open(configuration: configuration))
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
