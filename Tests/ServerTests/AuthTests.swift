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

            for accepted in ["Bearer \(token)", "bearer \(token)"] {
                let response = try await client.execute(
                    uri: "/v1/jobs", method: .get, headers: [.authorization: accepted])
                #expect(response.status == .ok, "\(accepted)")
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
            #expect(response.status == .ok)
        }
    }

    /// Every /v1 route, with a token set, answers 401 before it reads or changes anything.
    @Test func everyV1RouteNeedsTheToken() async throws {
        let server = try TestServer(token: token)
        try await server.application.test(.router) { client in
            let routes: [(HTTPRequest.Method, String)] = [
                (.get, "/v1/models"), (.get, "/v1/system"), (.get, "/v1/events"), (.post, "/v1/jobs"),
                (.get, "/v1/jobs"), (.get, "/v1/jobs/x"), (.delete, "/v1/jobs/x"), (.post, "/v1/jobs/x/cancel"),
                (.post, "/v1/jobs/x/retry"), (.post, "/v1/jobs/x/sample"), (.post, "/v1/jobs/x/save"),
                (.get, "/v1/jobs/x/events"), (.get, "/v1/jobs/x/metrics"), (.get, "/v1/jobs/x/samples"),
                (.get, "/v1/jobs/x/samples/1/0.png"), (.get, "/v1/jobs/x/checkpoints"),
                (.get, "/v1/jobs/x/checkpoints/last.safetensors"), (.post, "/v1/datasets"), (.get, "/v1/datasets"),
            ]
            for (method, uri) in routes {
                let response = try await client.execute(
                    uri: uri, method: method, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: "{}"))
                #expect(response.status == .unauthorized, "\(method) \(uri)")
            }
            #expect(try server.count("jobs") == 0)
        }
    }

    @Test func tokenComparison() {
        #expect(BearerTokenMiddleware<BasicRequestContext>.constantTimeEquals("abc", "abc"))
        #expect(!BearerTokenMiddleware<BasicRequestContext>.constantTimeEquals("abc", "abd"))
        #expect(!BearerTokenMiddleware<BasicRequestContext>.constantTimeEquals("abc", "abc\0"))
        #expect(!BearerTokenMiddleware<BasicRequestContext>.constantTimeEquals("", "a"))
    }
}
