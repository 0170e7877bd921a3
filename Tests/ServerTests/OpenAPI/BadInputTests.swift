import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Store
import TestSupport
import Testing
import Training

@testable import Server

/// Malformed requests, generated from the OpenAPI document, to every documented operation: none gets a 5xx, every
/// 4xx is a problem document, and a refused request leaves the database and the data folder as they were.
@Suite(.serialized) struct BadInputTests {
    /// The generator's seed: `LORAD_FUZZ_SEED` to repeat another run's requests in another order.
    static let seed = ProcessInfo.processInfo.environment["LORAD_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_123

    /// What a request could have stored: each table's row count and every file in the data folder but the database.
    struct StoredState: Equatable {
        var rowCounts: [String: Int]
        var files: Set<String>

        init(_ server: TestServer) throws {
            rowCounts = try server.services.database.writer.read { db in
                let tables = try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                return try Dictionary(
                    uniqueKeysWithValues: tables.map {
                        ($0, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \"\($0)\"") ?? 0)
                    })
            }
            let root = server.services.configuration.dataDirectory.resolvingSymlinksInPath()
            let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
            files = Set(
                (walker?.allObjects as? [URL] ?? []).map { $0.resolvingSymlinksInPath().path }
                    .filter { !$0.hasPrefix(root.appendingPathComponent("lorad.").path) })
        }
    }

    struct Failure: CustomStringConvertible {
        var request: String
        var reason: String
        var description: String { "\(request): \(reason)" }
    }

    /// Sends `request` and says what is wrong with the answer, if anything; a request still running after 30 s (an
    /// event stream that does not end) counts as a failure.
    static func send(
        _ request: MalformedRequest, to client: some TestClientProtocol, server: TestServer, problemSchema: ConfigValue,
        validator: JSONSchemaValidator
    ) async throws -> (status: Int, failure: Failure?) {
        let before = try StoredState(server)
        let response = try await withThrowingTaskGroup(of: TestResponse?.self) { group in
            group.addTask {
                try await client.execute(
                    uri: request.uri, method: request.method, headers: request.headers, body: request.body)
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        let label = "\(request.label) [\(request.method) \(request.uri.prefix(120))]"
        guard let response else { return (0, Failure(request: label, reason: "no answer in 30 s")) }
        let status = response.status.code
        if status >= 500 {
            return (status, Failure(request: label, reason: "\(status): \(String(buffer: response.body).prefix(300))"))
        }
        guard status >= 400 else { return (status, nil) }
        guard response.headers[.contentType] == "application/problem+json" else {
            return (
                status, Failure(request: label, reason: "\(status) as \(response.headers[.contentType] ?? "nothing")")
            )
        }
        guard let document = try? JSONDecoder().decode(ConfigValue.self, from: Data(response.body.readableBytesView))
        else { return (status, Failure(request: label, reason: "\(status) with a body that is not JSON")) }
        let problems = validator.errors(document, against: problemSchema)
        if !problems.isEmpty { return (status, Failure(request: label, reason: "\(status): \(problems)")) }
        if document["status"] != .integer(status) {
            return (status, Failure(request: label, reason: "\(status) with a problem whose status differs"))
        }
        if try StoredState(server) != before {
            return (status, Failure(request: label, reason: "refused with \(status) but stored something"))
        }
        return (status, nil)
    }

    @Test func malformedRequestsToEveryOperationAreRefusedCleanly() async throws {
        print("BadInputTests seed: \(Self.seed) (set LORAD_FUZZ_SEED to change it)")
        let server = try TestServer()
        let document = try OpenAPIDocument()
        let problemSchema = try #require(document.root["components"]?["schemas"]?["Problem"])
        try await server.application.test(.router) { client in
            // A finished job: its event stream ends, and the bad parts of requests reach the handlers.
            let empty = try StoredState(server)
            let created = try await client.post("/v1/jobs", json: server.jobBody())
            // The snapshot sees what an accepted request stores, so an unchanged one means nothing was stored.
            #expect(try StoredState(server) != empty)
            let jobID = try #require(try jsonObject(created)["id"] as? String)
            #expect(try await client.execute(uri: "/v1/jobs/\(jobID)/cancel", method: .post).status == .ok)
            let generator = MalformedRequestGenerator(
                document: document,
                validPathValue: { operation, name in
                    switch name {
                    case "id": operation.path.hasPrefix("/v1/datasets") ? server.datasetID : jobID
                    case "step": "2"
                    case "prompt_index", "position": "0"
                    default: "stripes.safetensors"
                    }
                },
                validBody: { operation in
                    switch operation.description {
                    case "POST /v1/jobs":
                        let data = try? JSONSerialization.data(withJSONObject: server.jobBody())
                        return data.flatMap { try? JSONDecoder().decode([String: ConfigValue].self, from: $0) }
                    case "PATCH /v1/datasets/{id}/images/{position}": return ["caption": .string("a caption")]
                    case "POST /v1/datasets": return ["name": .string("n"), "path": .string("folder")]
                    default: return nil
                    }
                })
            // Retrying or deleting the job would leave nothing to aim at (or a stream that does not end); those two
            // get only the requests that do not name it, and the job-list stream never ends on its own.
            let aimless: Set<String> = ["POST /v1/jobs/{id}/retry", "DELETE /v1/jobs/{id}"]
            var requests: [MalformedRequest] = []
            for operation in document.operations.sorted(by: { $0.description < $1.description })
            where operation.description != "GET /v1/events" {
                let all = generator.requests(for: operation)
                let sent = aimless.contains(operation.description) ? all.filter { !$0.uri.contains(jobID) } : all
                #expect(sent.count >= 20, "only \(sent.count) requests for \(operation)")
                requests += sent
            }
            var random = SplitMix64(seed: Self.seed)
            requests.shuffle(using: &random)
            #expect(requests.count >= 1_000)

            var failures: [Failure] = []
            var statuses: [Int: Int] = [:]
            for request in requests {
                let (status, failure) = try await Self.send(
                    request, to: client, server: server, problemSchema: problemSchema, validator: document.validator)
                statuses[status, default: 0] += 1
                if let failure { failures.append(failure) }
            }
            print("BadInputTests: \(requests.count) requests, statuses \(statuses.sorted(by: { $0.key < $1.key }))")
            #expect(
                failures.isEmpty,
                "\(failures.count) failures (seed \(Self.seed)):\n\(failures.prefix(30).map(\.description).joined(separator: "\n"))"
            )
        }
    }

    /// With a token configured, every /v1 operation (the endless job-list stream included) refuses bad credentials
    /// with a 401 problem document before anything else.
    @Test func badCredentialsAreRefusedOnEveryOperation() async throws {
        let server = try TestServer(token: "the-token")
        let document = try OpenAPIDocument()
        let problemSchema = try #require(document.root["components"]?["schemas"]?["Problem"])
        let credentials = [
            nil, "Bearer", "Bearer ", "Bearer the-token-and-more", "Basic dGhlLXRva2Vu", "bearer THE-TOKEN",
            "Bearer " + String(repeating: "t", count: 20_000), "Bearer thé-token", "Bearer\tthe-token\u{0}",
        ]
        try await server.application.test(.router) { client in
            var count = 0
            for operation in document.operations.sorted(by: { $0.description < $1.description })
            where operation.path.hasPrefix("/v1/") {
                let uri = operation.path.replacingOccurrences(of: "{", with: "x").replacingOccurrences(
                    of: "}", with: "")
                for credential in credentials {
                    let headers: HTTPFields = credential.map { [.authorization: $0] } ?? [:]
                    let request = MalformedRequest(
                        label: "\(operation) with \(credential?.prefix(30).debugDescription ?? "no credentials")",
                        method: HTTPRequest.Method(operation.method)!, uri: uri, headers: headers)
                    let (status, failure) = try await Self.send(
                        request, to: client, server: server, problemSchema: problemSchema,
                        validator: document.validator)
                    #expect(status == 401, "\(request.label)")
                    #expect(failure == nil, "\(failure.map(\.description) ?? "")")
                    count += 1
                }
            }
            #expect(count > 200)
        }
    }
}
