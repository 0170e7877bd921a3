import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Store
import Testing
import Training

@testable import Server

/// The OpenAPI document stays true: it is well formed, it lists exactly the routes the application has, and real
/// responses validate against its schemas.
@Suite(.serialized) struct OpenAPIDocumentTests {
    @Test func theDocumentIsOpenAPI31AndEveryReferenceResolves() throws {
        let document = try OpenAPIDocument()
        #expect(document.root["openapi"]?.stringValue?.hasPrefix("3.1.") == true)
        #expect(document.root["info"]?["title"] != nil && document.root["info"]?["version"] != nil)
        var references: [String] = []
        func collect(_ value: ConfigValue) {
            switch value {
            case .table(let object):
                if case .string(let reference) = object["$ref"] { references.append(reference) }
                object.values.forEach(collect)
            case .array(let elements): elements.forEach(collect)
            default: break
            }
        }
        collect(document.root)
        #expect(references.count > 50)
        for reference in references {
            #expect(document.validator.resolve(reference) != nil, "\(reference) does not resolve")
        }
        // Every operation has a unique id, and every schema in it uses only keywords the validator checks.
        let ids = document.operations.compactMap { document.object($0)?["operationId"]?.stringValue }
        #expect(ids.count == document.operations.count)
        #expect(Set(ids).count == ids.count)
        var schemas: [(String, ConfigValue)] = []
        if case .table(let components) = document.root["components"]?["schemas"] {
            schemas += components.map { ("components.schemas.\($0.key)", $0.value) }
        }
        if case .table(let responses) = document.root["components"]?["responses"] {
            for (name, response) in responses {
                if case .table(let content) = response["content"] {
                    schemas += content.compactMap { type, media in
                        media["schema"].map { ("components.responses.\(name) \(type)", $0) }
                    }
                }
            }
        }
        for operation in document.operations {
            let object = try #require(document.object(operation))
            let contents =
                [object["requestBody"]?["content"]]
                + (object["responses"]?.tableValue?.values.map { $0["content"] } ?? [])
            for case .table(let content)? in contents {
                for (type, media) in content {
                    if let schema = media["schema"] { schemas.append(("\(operation) \(type)", schema)) }
                    if let schema = media["x-event-data"] { schemas.append(("\(operation) events", schema)) }
                }
            }
        }
        #expect(schemas.count > 60)
        for (name, schema) in schemas {
            let unsupported = document.validator.unsupportedKeywords(in: schema)
            #expect(unsupported.isEmpty, "\(name): \(unsupported)")
        }
        // Each path template's parameters are declared, and each declared path parameter is in the template.
        for operation in document.operations {
            let declared = Set(
                document.parameters(operation).filter { $0["in"]?.stringValue == "path" }.compactMap {
                    $0["name"]?.stringValue
                })
            let inTemplate = Set(
                operation.path.split(separator: "{").dropFirst().compactMap { $0.split(separator: "}").first }.map(
                    String.init))
            #expect(declared == inTemplate, "\(operation)")
        }
    }

    @Test func theDocumentedOperationsAreTheRoutesTheApplicationAnswers() throws {
        let document = try OpenAPIDocument()
        let router = buildRouter(
            services: try ServerServices.open(configuration: try testConfiguration()), logger: Logger(label: "test"))
        let routes = Set(router.routes.map { OpenAPIDocument.Operation(method: "\($0.method)", path: "\($0.path)") })
        #expect(routes.count >= 20)
        let undocumented = routes.subtracting(document.operations)
        #expect(
            undocumented.isEmpty, "routes missing from openapi.json: \(undocumented.sorted(by: { "\($0)" < "\($1)" }))")
        let missing = document.operations.subtracting(routes)
        #expect(missing.isEmpty, "documented operations with no route: \(missing.sorted(by: { "\($0)" < "\($1)" }))")
    }

    @Test func theDocumentIsServedWithoutTheToken() async throws {
        let server = try TestServer(token: "secret")
        let document = try OpenAPIDocument()
        try await server.application.test(.router) { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            #expect(
                try JSONDecoder().decode(ConfigValue.self, from: Data(response.body.readableBytesView)) == document.root
            )
            let refused = try await client.execute(uri: "/v1/jobs", method: .get)
            #expect(refused.status == .unauthorized)
            let operation = OpenAPIDocument.Operation(method: "GET", path: "/v1/jobs")
            #expect(
                document.problems(of: refused, for: operation).isEmpty,
                "\(document.problems(of: refused, for: operation))")
        }
    }

    /// Sends a request and checks the response against the document; returns it for more checks.
    @discardableResult
    static func exchange(
        _ client: some TestClientProtocol, _ document: OpenAPIDocument, _ method: HTTPRequest.Method, _ uri: String,
        headers: HTTPFields = [:], json: Any? = nil, expect status: HTTPResponse.Status
    ) async throws -> TestResponse {
        let response: TestResponse
        if let json {
            response = try await client.post(uri, json: json, headers: headers)
        } else {
            response = try await client.execute(uri: uri, method: method, headers: headers)
        }
        #expect(response.status == status, "\(method) \(uri): \(bodyString(response))")
        let operation = try #require(document.operation(method: method.rawValue, concretePath: uri), "\(method) \(uri)")
        let problems = document.problems(of: response, for: operation)
        #expect(problems.isEmpty, "\(problems)")
        return response
    }

    /// Checks each `data:` line of an event stream against the operation's `x-event-data` schema.
    static func checkEvents(_ response: TestResponse, _ document: OpenAPIDocument, path: String) throws -> Int {
        let operation = OpenAPIDocument.Operation(method: "GET", path: path)
        let schema = try #require(
            document.object(operation)?["responses"]?["200"]?["content"]?["text/event-stream"]?["x-event-data"])
        let lines = String(buffer: response.body).split(separator: "\n").filter { $0.hasPrefix("data: ") }
        for line in lines {
            let value = try JSONDecoder().decode(ConfigValue.self, from: Data(line.dropFirst(6).utf8))
            let problems = document.validator.errors(value, against: schema)
            #expect(problems.isEmpty, "\(line): \(problems)")
        }
        return lines.count
    }

    @Test func responsesOfTheJobRoutesValidateAgainstTheDocument() async throws {
        let server = try TestServer()
        let document = try OpenAPIDocument()
        try await server.application.test(.router) { client in
            let unknown = "/v1/jobs/00000000-0000-4000-8000-000000000000"
            try await Self.exchange(client, document, .get, "/healthz", expect: .ok)
            try await Self.exchange(client, document, .get, "/metrics", expect: .ok)
            try await Self.exchange(client, document, .get, "/openapi.json", expect: .ok)
            try await Self.exchange(client, document, .get, "/v1/system", expect: .ok)
            let models = try await Self.exchange(client, document, .get, "/v1/models", expect: .ok)
            #expect(bodyString(models).contains("sd15-tiny"))

            let created = try await Self.exchange(
                client, document, .post, "/v1/jobs", headers: [HTTPField.Name("Idempotency-Key")!: "k1"],
                json: server.jobBody(), expect: .created)
            let id = try #require(try jsonObject(created)["id"] as? String)
            try await Self.exchange(
                client, document, .post, "/v1/jobs", headers: [HTTPField.Name("Idempotency-Key")!: "k1"],
                json: server.jobBody(), expect: .ok)
            try await Self.exchange(
                client, document, .post, "/v1/jobs", headers: [HTTPField.Name("Idempotency-Key")!: "k1"],
                json: server.jobBody(steps: 5), expect: .conflict)
            let invalid = try await Self.exchange(
                client, document, .post, "/v1/jobs",
                json: server.jobBody(extra: ["network_dim": "many", "output_dir": "/tmp"]),
                expect: .unprocessableContent)
            #expect(try problemDocument(invalid).errors?.map(\.field).sorted() == ["network_dim", "output_dir"])
            try await client.execute(
                uri: "/v1/jobs", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{\"model\":")
            ).assertDocumented(document, "POST", "/v1/jobs", .badRequest)
            try await client.execute(
                uri: "/v1/jobs", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "x")
            ).assertDocumented(document, "POST", "/v1/jobs", .unsupportedMediaType)

            let job = try await Self.exchange(client, document, .get, "/v1/jobs/\(id)", expect: .ok)
            #expect(try jsonObject(job)["queue_position"] as? Int == 1)
            let list = try await Self.exchange(client, document, .get, "/v1/jobs?state=queued&limit=1", expect: .ok)
            #expect((try jsonObject(list)["jobs"] as? [[String: Any]])?.count == 1)
            try await Self.exchange(client, document, .get, "/v1/jobs?limit=0", expect: .unprocessableContent)
            try await Self.exchange(client, document, .get, unknown, expect: .notFound)
            try await Self.exchange(client, document, .post, "/v1/jobs/\(id)/sample", expect: .conflict)
            try await Self.exchange(client, document, .post, "/v1/jobs/\(id)/save", expect: .conflict)
            try await Self.exchange(client, document, .post, "/v1/jobs/\(id)/cancel", expect: .ok)
            try await Self.exchange(client, document, .post, "/v1/jobs/\(id)/cancel", expect: .conflict)
            let events = try await Self.exchange(client, document, .get, "/v1/jobs/\(id)/events", expect: .ok)
            #expect(try Self.checkEvents(events, document, path: "/v1/jobs/{id}/events") >= 2)
            try await Self.exchange(
                client, document, .get, "/v1/jobs/\(id)/events", headers: [HTTPField.Name("Last-Event-ID")!: "x"],
                expect: .unprocessableContent)
            try await Self.exchange(client, document, .get, "/v1/jobs/\(id)/metrics", expect: .ok)
            try await Self.exchange(client, document, .get, "/v1/jobs/\(id)/samples", expect: .ok)
            try await Self.exchange(client, document, .get, "/v1/jobs/\(id)/checkpoints", expect: .ok)
            try await Self.exchange(client, document, .get, "/v1/jobs/\(id)/samples/1/0.png", expect: .notFound)
            try await Self.exchange(
                client, document, .get, "/v1/jobs/\(id)/checkpoints/a.safetensors", expect: .notFound)
            try await Self.exchange(client, document, .post, "/v1/jobs/\(id)/retry", expect: .ok)
            try await Self.exchange(client, document, .post, "/v1/jobs/\(id)/retry", expect: .conflict)
            try await Self.exchange(client, document, .delete, "/v1/jobs/\(id)", expect: .noContent)
            try await Self.exchange(client, document, .delete, "/v1/jobs/\(id)", expect: .notFound)
        }
    }

    @Test func theOutputsOfAFinishedJobValidateAgainstTheDocument() async throws {
        let server = try TestServer()
        let document = try OpenAPIDocument()
        try await server.application.test(.router) { client in
            let created = try await Self.exchange(
                client, document, .post, "/v1/jobs", json: server.jobBody(steps: 2), expect: .created)
            let id = try #require(try jsonObject(created)["id"] as? String)
            try await WorkerTests().withWorkers(server.workers()) {
                let job = try await WorkerTests().waitFor(server, job: id) { $0.state.isFinal }
                #expect(job.state == .succeeded, "\(job.error ?? "")")
            }
            let finished = try await Self.exchange(client, document, .get, "/v1/jobs/\(id)", expect: .ok)
            #expect(try jsonObject(finished)["progress"] is [String: Any])
            let events = try await Self.exchange(client, document, .get, "/v1/jobs/\(id)/events", expect: .ok)
            let eventText = String(buffer: events.body)
            for type in ["state", "phase", "progress", "sample", "checkpoint"] {
                #expect(eventText.contains("event: \(type)\n"), "no \(type) event")
            }
            #expect(try Self.checkEvents(events, document, path: "/v1/jobs/{id}/events") > 5)
            let metrics = try await Self.exchange(client, document, .get, "/v1/jobs/\(id)/metrics", expect: .ok)
            #expect(try jsonObject(metrics)["steps"] as? [Int] == [1, 2])
            let samples = try await Self.exchange(client, document, .get, "/v1/jobs/\(id)/samples", expect: .ok)
            let sampleURL = try #require(
                (try jsonObject(samples)["samples"] as? [[String: Any]])?.first?["url"] as? String)
            let image = try await Self.exchange(client, document, .get, sampleURL, expect: .ok)
            let etag = try #require(image.headers[.eTag])
            try await Self.exchange(
                client, document, .get, sampleURL, headers: [.range: "bytes=0-3"], expect: .partialContent)
            try await Self.exchange(
                client, document, .get, sampleURL, headers: [.ifNoneMatch: etag], expect: .notModified)
            let checkpoints = try await Self.exchange(client, document, .get, "/v1/jobs/\(id)/checkpoints", expect: .ok)
            let fileURL = try #require(
                (try jsonObject(checkpoints)["checkpoints"] as? [[String: Any]])?.first?["url"] as? String)
            try await Self.exchange(client, document, .get, fileURL, expect: .ok)
            try await Self.exchange(
                client, document, .get, fileURL, headers: [.range: "bytes=-8"], expect: .partialContent)
            try await Self.exchange(
                client, document, .get, fileURL, headers: [.range: "bytes=99999999-"], expect: .rangeNotSatisfiable)
        }
    }
}

extension TestResponse {
    /// Expects `status` and a response the document describes for `method path`.
    func assertDocumented(
        _ document: OpenAPIDocument, _ method: String, _ path: String, _ status: HTTPResponse.Status
    ) {
        #expect(self.status == status, "\(method) \(path): \(bodyString(self))")
        let problems = document.problems(of: self, for: .init(method: method, path: path))
        #expect(problems.isEmpty, "\(problems)")
    }
}
