import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// JSON request bodies with a media type that is not one: found by the bad-input test, where an empty
/// `Content-Type` crashed the server.
@Suite struct JSONBodyTests {
    @Test(arguments: ["", ";", ";;"])
    func aContentTypeWithoutAMediaTypeIsA415(_ contentType: String) async throws {
        let server = try TestServer()
        try await server.application.test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/jobs", method: .post, headers: [.contentType: contentType], body: ByteBuffer(string: "{}"))
            #expect(response.status == .unsupportedMediaType)
            #expect(try problemDocument(response).detail?.contains("no Content-Type") == true)
            #expect(try server.count("jobs") == 0)
        }
    }
}
