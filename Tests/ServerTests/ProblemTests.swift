import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

@Suite struct ProblemTests {
    @Test func unknownRouteIsNotFoundProblem() async throws {
        try await testApplication(testConfiguration()).test(.router) { client in
            let response = try await client.execute(uri: "/no/such/thing", method: .get)
            #expect(response.status == .notFound)
            let document = try problemDocument(response)
            #expect(document.type == "about:blank")
            #expect(document.title == "Not Found")
            #expect(document.status == 404)
            #expect(document.errors == nil)
        }
    }

    /// A router with the application's error middleware and routes that fail in each way a handler can.
    private func failingRoutes() -> some ApplicationProtocol {
        struct Unexpected: Error {}
        let router = Router()
        router.add(middleware: ProblemMiddleware())
        router.get("/validation") { _, _ -> String in
            throw ProblemError.validation([
                .init(field: "network.rank", message: "must be at least 1"),
                .init(field: "name", message: "must not be empty"),
            ])
        }
        router.get("/http") { _, _ -> String in throw HTTPError(.conflict, message: "job 7 is already running") }
        router.get("/unexpected") { _, _ -> String in throw Unexpected() }
        return Application(router: router)
    }

    @Test func validationProblemListsEachField() async throws {
        try await failingRoutes().test(.router) { client in
            let response = try await client.execute(uri: "/validation", method: .get)
            #expect(response.status == .unprocessableContent)
            let document = try problemDocument(response)
            #expect(document.type == ProblemError.validationType)
            #expect(document.status == 422)
            #expect(document.detail == "network.rank: must be at least 1; name: must not be empty")
            #expect(document.errors?.map(\.field) == ["network.rank", "name"])
            #expect(document.errors?.first?.message == "must be at least 1")
        }
    }

    @Test func httpErrorsKeepTheirStatusAndMessage() async throws {
        try await failingRoutes().test(.router) { client in
            let response = try await client.execute(uri: "/http", method: .get)
            #expect(response.status == .conflict)
            let document = try problemDocument(response)
            #expect(document.title == "Conflict")
            #expect(document.detail == "job 7 is already running")
        }
    }

    @Test func unexpectedErrorsAreInternalWithoutDetails() async throws {
        try await failingRoutes().test(.router) { client in
            let response = try await client.execute(uri: "/unexpected", method: .get)
            #expect(response.status == .internalServerError)
            let document = try problemDocument(response)
            #expect(document.status == 500)
            #expect(document.detail?.contains("Unexpected") == false)
        }
    }
}
