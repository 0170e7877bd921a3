import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

@Suite struct AuthTests {
    let token = "s3cret-token"

    @Test func v1NeedsTheBearerToken() async throws {
        let token = self.token
        try await testApplication(testConfiguration(token: token)).test(.router) { client in
            let missing = try await client.execute(uri: "/v1/jobs", method: .get)
            #expect(missing.status == .unauthorized)
            #expect(missing.headers[.wwwAuthenticate] == "Bearer")
            #expect(try problemDocument(missing).status == 401)

            for wrong in ["Bearer wrong", "Bearer \(token)x", "Basic \(token)", token] {
                let response = try await client.execute(
                    uri: "/v1/jobs", method: .get, headers: [.authorization: wrong])
                #expect(response.status == .unauthorized, "\(wrong)")
            }

            // Past auth, the request reaches the router, which has no such route yet.
            for accepted in ["Bearer \(token)", "bearer \(token)"] {
                let response = try await client.execute(
                    uri: "/v1/jobs", method: .get, headers: [.authorization: accepted])
                #expect(response.status == .notFound, "\(accepted)")
            }
        }
    }

    @Test func healthzStaysOpenWithAToken() async throws {
        try await testApplication(testConfiguration(token: token)).test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            let outsideV1 = try await client.execute(uri: "/v1x", method: .get)
            #expect(outsideV1.status == .notFound)
        }
    }

    @Test func withoutATokenV1IsOpen() async throws {
        try await testApplication(testConfiguration()).test(.router) { client in
            let response = try await client.execute(uri: "/v1/jobs", method: .get)
            #expect(response.status == .notFound)
        }
    }

    @Test func tokenComparison() {
        #expect(BearerTokenMiddleware<BasicRequestContext>.constantTimeEquals("abc", "abc"))
        #expect(!BearerTokenMiddleware<BasicRequestContext>.constantTimeEquals("abc", "abd"))
        #expect(!BearerTokenMiddleware<BasicRequestContext>.constantTimeEquals("abc", "abc\0"))
        #expect(!BearerTokenMiddleware<BasicRequestContext>.constantTimeEquals("", "a"))
    }
}
