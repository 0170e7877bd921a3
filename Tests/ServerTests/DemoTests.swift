import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Store
import Testing
import Training

@testable import Server

/// The demo: registered once on the first start on an empty data directory, offered by `GET /v1/demo` from its
/// config file, queued by `POST /v1/demo/job`, and deletable like any registered model and dataset.
@Suite struct DemoTests {
    /// A fresh data directory and a demo stand-in, removed at the end.
    final class Scene {
        let demo: DemoStandIn
        let data: URL

        init() throws {
            demo = try DemoStandIn()
            data = try makeTemporaryDirectory()
        }

        deinit {
            demo.remove()
            try? FileManager.default.removeItem(at: data)
        }

        func start(demo url: URL? = nil, withDemo: Bool = true, modelsDirectories: [URL] = []) throws
            -> ServerServices
        {
            try startServer(
                dataDirectory: data, demo: withDemo ? (url ?? demo.url) : nil, modelsDirectories: modelsDirectories)
        }
    }

    static func datasetID(_ services: ServerServices) throws -> String {
        try #require(try services.database.writer.read { db in try DemoRecord.current(db)?.datasetID })
    }

    static func offer(_ client: some TestClientProtocol) async throws -> [String: Any] {
        let response = try await client.execute(uri: "/v1/demo", method: .get)
        #expect(response.status == .ok)
        return try jsonObject(response)
    }

    // MARK: - Registration

    @Test func aFirstStartRegistersTheDemoOnceAndRestartsKeepIt() async throws {
        let scene = try Scene()
        let images = try scene.demo.imageNames
        var services = try scene.start()
        let counts = try services.demoCounts()
        #expect(counts["models"] == 1 && counts["datasets"] == 1 && counts["demo"] == 1 && counts["jobs"] == 0)
        #expect(counts["dataset_images"] == images.count)
        let model = try #require(
            try await services.database.writer.read { db in try BaseModel.fetchOne(db, key: "demo") })
        #expect(model.origin == .registered)
        #expect(model.path == scene.demo.modelPath)
        #expect(model.architecture == "sd1" && model.format == "diffusers")
        let datasetID = try Self.datasetID(services)
        let dataset = try #require(
            try await services.database.writer.read { db in try Dataset.fetchOne(db, key: datasetID) })
        #expect(dataset.name == "demo: \(DemoStandIn.triggerWord)")
        #expect(dataset.source == .folder)
        let stored = try await services.database.writer.read { db in try DatasetImage.all(datasetID: datasetID, db) }
        #expect(stored.map(\.fileName) == images.map { "10_\(DemoStandIn.triggerWord)/\($0)" })
        let firstCaption = try String(
            contentsOf: scene.demo.url.appendingPathComponent("dataset/10_\(DemoStandIn.triggerWord)/stripes_00.txt"),
            encoding: .utf8)
        #expect(stored.first?.caption == firstCaption)
        // Copied into the blob store: the demo folder is not needed by the dataset any more.
        for image in stored {
            #expect(FileManager.default.fileExists(atPath: try services.blobs.url(for: image.blobSHA256).path))
        }

        try await buildApplication(services: services).test(.router) { client in
            let models = try jsonObject(try await client.execute(uri: "/v1/models", method: .get))
            let listed = try #require(models["models"] as? [[String: Any]])
            #expect(listed.map { $0["id"] as? String } == ["demo"])
            #expect(listed.first?["origin"] as? String == "registered")
            let datasets = try jsonObject(try await client.execute(uri: "/v1/datasets", method: .get))
            let summaries = try #require(datasets["datasets"] as? [[String: Any]])
            #expect(summaries.map { $0["id"] as? String } == [datasetID])
            #expect(summaries.first?["image_count"] as? Int == images.count)
        }

        for _ in 0..<2 {
            services = try scene.start()
            #expect(try services.demoCounts() == counts)
            #expect(try Self.datasetID(services) == datasetID)
        }
    }

    @Test func aDeletedDemoStaysDeletedAfterARestart() async throws {
        let scene = try Scene()
        var services = try scene.start()
        let datasetID = try Self.datasetID(services)
        try await buildApplication(services: services).test(.router) { client in
            #expect(try await client.execute(uri: "/v1/models/demo", method: .delete).status == .noContent)
            #expect(try await client.execute(uri: "/v1/datasets/\(datasetID)", method: .delete).status == .noContent)
            let offer = try await Self.offer(client)
            #expect(offer["available"] as? Bool == false)
            #expect(offer["model"] is NSNull && offer["dataset"] is NSNull && offer["job"] is NSNull)
            #expect((offer["reason"] as? String)?.contains("deleted") == true)
        }
        services = try scene.start()
        let counts = try services.demoCounts()
        #expect(counts["models"] == 0 && counts["datasets"] == 0 && counts["dataset_images"] == 0)
        #expect(counts["demo"] == 1)
    }

    @Test func withoutADemoFolderNothingIsRegisteredNorLaterOnTheSameDataDirectory() async throws {
        let scene = try Scene()
        let services = try scene.start(withDemo: false)
        #expect(try services.demoCounts().values.allSatisfy { $0 == 0 })
        try await buildApplication(services: services).test(.router) { client in
            let offer = try await Self.offer(client)
            #expect(offer["available"] as? Bool == false)
            #expect((offer["reason"] as? String)?.isEmpty == false)
            let refused = try await client.execute(uri: "/v1/demo/job", method: .post)
            #expect(refused.status == .conflict)
            #expect(try problemDocument(refused).detail == offer["reason"] as? String)
        }
        // The data directory was in use before: a start with the demo does not register it.
        let later = try scene.start()
        #expect(try later.demoCounts().values.allSatisfy { $0 == 0 })
    }

    /// A demo folder that cannot be registered is logged and left out; the server starts, and nothing is stored.
    @Test(arguments: ["no model index", "no config", "no concept folder", "an image that is not one", "a bad model"])
    func aBrokenDemoFolderRegistersNothing(flaw: String) throws {
        let scene = try Scene()
        let demo = scene.demo.url
        let fileManager = FileManager.default
        switch flaw {
        case "no model index": try fileManager.removeItem(at: demo.appendingPathComponent("model/model_index.json"))
        case "no config": try fileManager.removeItem(at: demo.appendingPathComponent("demo_lora.toml"))
        case "no concept folder":
            try fileManager.removeItem(at: demo.appendingPathComponent("dataset/10_\(DemoStandIn.triggerWord)"))
        case "an image that is not one":
            try Data("not a PNG".utf8).write(
                to: demo.appendingPathComponent("dataset/10_\(DemoStandIn.triggerWord)/zz_broken.png"))
        default: try Data("{".utf8).write(to: demo.appendingPathComponent("model/model_index.json"))
        }
        let services = try scene.start()
        #expect(try services.demoCounts().values.allSatisfy { $0 == 0 })
        let blobs = scene.data.appendingPathComponent("blobs/sha256")
        let blobFiles = FileManager.default.enumerator(atPath: blobs.path)?.allObjects ?? []
        #expect(blobFiles.isEmpty)
        let staging = scene.data.appendingPathComponent("tmp")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? []).isEmpty)
    }

    /// A models folder with a model named `demo`, and one holding the demo model's own folder: the registered model
    /// keeps its id and path, and the folder models that would take them are left out.
    @Test func folderModelsDoNotTakeTheDemoModelsIdOrPath() async throws {
        let scene = try Scene()
        let models = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: models) }
        try FileManager.default.createSymbolicLink(
            at: models.appendingPathComponent("demo"),
            withDestinationURL: scene.demo.url.appendingPathComponent("model"))
        for _ in 0..<2 {
            let services = try scene.start(modelsDirectories: [models, scene.demo.url])
            let rows = try await services.database.writer.read { db in try BaseModel.order(Column("id")).fetchAll(db) }
            #expect(rows.map(\.id) == ["demo"])
            #expect(rows.first?.origin == .registered && rows.first?.path == scene.demo.modelPath)
        }
    }

    @Test func theDemoModelFollowsItsFolderWhenABuildBundlesItElsewhere() async throws {
        let scene = try Scene()
        _ = try scene.start()
        let moved = try makeTemporaryDirectory().appendingPathComponent("Demo")
        defer { try? FileManager.default.removeItem(at: moved.deletingLastPathComponent()) }
        try FileManager.default.copyItem(at: scene.demo.url, to: moved)
        let services = try scene.start(demo: moved)
        let path = try await services.database.writer.read { db in try BaseModel.fetchOne(db, key: "demo")?.path }
        #expect(path == moved.appendingPathComponent("model").standardizedFileURL.path)
        #expect(try services.demoCounts()["models"] == 1)
    }

    // MARK: - The offer and the job

    @Test func theOfferIsTheConfigFileWithTheRegisteredIds() async throws {
        let scene = try Scene()
        let services = try scene.start()
        let datasetID = try Self.datasetID(services)
        let document = try OpenAPIDocument()
        let config = scene.demo.url.appendingPathComponent("demo_lora.toml")
        try await buildApplication(services: services).test(.router) { client in
            let response = try await OpenAPIDocumentTests.exchange(client, document, .get, "/v1/demo", expect: .ok)
            let offer = try jsonObject(response)
            #expect(offer["available"] as? Bool == true)
            #expect(offer["reason"] is NSNull)
            #expect(offer["model"] as? String == "demo" && offer["dataset"] as? String == datasetID)
            #expect(offer["trigger_word"] as? String == DemoStandIn.triggerWord)
            let description = try #require(offer["description"] as? String)
            #expect(description.contains(DemoStandIn.triggerWord) && description.contains("CPU"))
            let job = try #require(offer["job"] as? [String: Any])
            #expect(job["model"] as? String == "demo" && job["dataset"] as? String == datasetID)
            #expect(job["max_train_steps"] as? Int == DemoStandIn.maxTrainSteps)
            #expect(job["sample_prompts"] as? [String] == DemoStandIn.samplePrompts)
            #expect(job["output_name"] as? String == "demo")
            for path in ["pretrained_model_name_or_path", "train_data_dir", "output_dir", "logging_dir"] {
                #expect(job[path] == nil, "\(path)")
            }

            // Read from the file at each request.
            try DemoStandIn.config.replacingOccurrences(of: "max_train_steps = 2", with: "max_train_steps = 3")
                .write(to: config, atomically: true, encoding: .utf8)
            let edited = try #require(try await Self.offer(client)["job"] as? [String: Any])
            #expect(edited["max_train_steps"] as? Int == 3)
        }
    }

    @Test func theDemoJobIsTheConfigFileAsLoradTrainReadsIt() async throws {
        let scene = try Scene()
        let services = try scene.start()
        let document = try OpenAPIDocument()
        let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "demo-1"]
        let config = scene.demo.url.appendingPathComponent("demo_lora.toml")
        try await buildApplication(services: services).test(.router) { client in
            let offer = try await Self.offer(client)
            let created = try await OpenAPIDocumentTests.exchange(
                client, document, .post, "/v1/demo/job", headers: key, expect: .created)
            let job = try JSONDecoder().decode(ConfigValue.self, from: Data(created.body.readableBytesView))
            guard case .string(let id)? = job["id"] else { throw DemoTestError.missing("id") }
            #expect(created.headers[.location] == "/v1/jobs/\(id)")
            let datasetID = try Self.datasetID(services)
            #expect(job["model"] == .string("demo") && job["dataset"] == .string(datasetID))

            let loaded = try TrainingConfig.load(path: config.path)
            let expected = loaded.config.effectiveOptions.filter { JobSubmission.serverChosenOptions[$0.key] == nil }
            // Through JSON as the response went, so that 1.0 and 1 compare alike.
            let expectedJSON = try JSONDecoder().decode(ConfigValue.self, from: JSONEncoder().encode(expected))
            #expect(job["effective_config"] == expectedJSON)

            // The same key gives the same job, whether it comes back through the demo route or POST /v1/jobs with
            // the offer's body: the two are one submission.
            let again = try await OpenAPIDocumentTests.exchange(
                client, document, .post, "/v1/demo/job", headers: key, expect: .ok)
            #expect(try jsonObject(again)["id"] as? String == id)
            let direct = try await client.post("/v1/jobs", json: try #require(offer["job"]), headers: key)
            #expect(direct.status == .ok)
            #expect(try jsonObject(direct)["id"] as? String == id)
            #expect(try services.demoCounts()["jobs"] == 1)
        }
    }

    @Test func theDemoJobTrains() async throws {
        let scene = try Scene()
        let services = try scene.start()
        let job = try await services.trainDemoJob(timeout: .seconds(600))
        #expect(job.state == .succeeded, "\(job.error ?? "")")
        let checkpoints = try await services.database.writer.read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM checkpoints WHERE job_id = ? AND is_final = 1", arguments: [job.id])
        }
        #expect(checkpoints == 1)
    }

    /// A request to `POST /v1/demo/job` that must be refused, naming `field`.
    struct BadJobRequest: Sendable, CustomTestStringConvertible {
        var field: String
        var headers: HTTPFields = [:]
        var body = ""
        var status: HTTPResponse.Status

        var testDescription: String { "\(field): \(body.isEmpty ? "\(headers)" : body)" }
    }

    static let badJobRequests = [
        BadJobRequest(field: "body", body: "{}", status: .unprocessableContent),
        BadJobRequest(
            field: "body", headers: [.contentType: "application/json"], body: #"{"max_train_steps": 100}"#,
            status: .unprocessableContent),
        BadJobRequest(
            field: "Idempotency-Key", headers: [HTTPField.Name("Idempotency-Key")!: String(repeating: "k", count: 201)],
            status: .badRequest),
        BadJobRequest(
            field: "Idempotency-Key", headers: [HTTPField.Name("Idempotency-Key")!: ""], status: .badRequest),
    ]

    /// Each bad request is refused with the status and field it deserves, and stores no job.
    @Test(arguments: badJobRequests)
    func badDemoJobRequestsStoreNothing(_ bad: BadJobRequest) async throws {
        let scene = try Scene()
        let services = try scene.start()
        let before = try services.demoCounts()
        try await buildApplication(services: services).test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/demo/job", method: .post, headers: bad.headers,
                body: bad.body.isEmpty ? nil : ByteBuffer(string: bad.body))
            #expect(response.status == bad.status)
            let problem = try problemDocument(response)
            #expect(problem.errors?.map(\.field) == [bad.field] || problem.detail?.contains(bad.field) == true)
        }
        #expect(try services.demoCounts() == before)
    }

    @Test func theDemoJobIsRefusedOnceItsDatasetIsDeleted() async throws {
        let scene = try Scene()
        let services = try scene.start()
        let datasetID = try Self.datasetID(services)
        try await buildApplication(services: services).test(.router) { client in
            #expect(try await client.execute(uri: "/v1/datasets/\(datasetID)", method: .delete).status == .noContent)
            let offer = try await Self.offer(client)
            #expect(offer["available"] as? Bool == false && offer["dataset"] is NSNull)
            #expect(offer["model"] as? String == "demo")
            let refused = try await client.execute(uri: "/v1/demo/job", method: .post)
            #expect(refused.status == .conflict)
            #expect(try problemDocument(refused).detail == "the demo dataset was deleted")
        }
        #expect(try services.demoCounts()["jobs"] == 0)
    }

    // MARK: - Deleting models

    @Test func aRegisteredModelIsDeletedOnceNoJobNamesIt() async throws {
        let scene = try Scene()
        let services = try scene.start()
        try await buildApplication(services: services).test(.router) { client in
            let created = try await client.execute(uri: "/v1/demo/job", method: .post)
            let id = try #require(try jsonObject(created)["id"] as? String)
            let whileQueued = try await client.execute(uri: "/v1/models/demo", method: .delete)
            #expect(whileQueued.status == .conflict)
            #expect(try problemDocument(whileQueued).detail?.contains("queued or running jobs: \(id)") == true)
            #expect(try await client.execute(uri: "/v1/jobs/\(id)/cancel", method: .post).status == .ok)
            let whileKept = try await client.execute(uri: "/v1/models/demo", method: .delete)
            #expect(whileKept.status == .conflict)
            #expect(try problemDocument(whileKept).detail?.contains("delete them first") == true)
            #expect(try await client.execute(uri: "/v1/jobs/\(id)", method: .delete).status == .noContent)

            #expect(try await client.execute(uri: "/v1/models/demo", method: .delete).status == .noContent)
            #expect(try await client.execute(uri: "/v1/models/demo", method: .delete).status == .notFound)
            let models = try jsonObject(try await client.execute(uri: "/v1/models", method: .get))
            #expect((models["models"] as? [Any])?.isEmpty == true)
        }
        // The files stay: they are the demo folder's, not the server's.
        #expect(FileManager.default.fileExists(atPath: scene.demo.modelPath))
        let record = try await services.database.writer.read { db in try DemoRecord.current(db) }
        #expect(record?.modelID == nil && record?.datasetID != nil)
    }

    @Test func aFolderModelOrAnUnknownIdIsNotDeleted() async throws {
        let server = try TestServer()
        let models = try server.count("models")
        let document = try OpenAPIDocument()
        try await server.application.test(.router) { client in
            let refused = try await OpenAPIDocumentTests.exchange(
                client, document, .delete, "/v1/models/sd15-tiny", expect: .conflict)
            #expect(try problemDocument(refused).detail?.contains("remove it from the folder") == true)
            try await OpenAPIDocumentTests.exchange(client, document, .delete, "/v1/models/no-such", expect: .notFound)
            try await OpenAPIDocumentTests.exchange(
                client, document, .delete, "/v1/models/..%2F..%2Fetc", expect: .notFound)
        }
        #expect(try server.count("models") == models)
    }
}

enum DemoTestError: Error {
    case missing(String)
}
