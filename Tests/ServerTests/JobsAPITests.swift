import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

@Suite struct JobsAPITests {
    @Test func aValidJobIsQueuedWithItsOptionsAndAQueuedEvent() async throws {
        let server = try TestServer()
        try await server.application.test(.router) { client in
            let response = try await client.post("/v1/jobs", json: server.jobBody())
            #expect(response.status == .created)
            let job = try jsonObject(response)
            let id = try #require(job["id"] as? String)
            #expect(response.headers[.location] == "/v1/jobs/\(id)")
            #expect(job["state"] as? String == "queued")
            #expect(job["queue_position"] as? Int == 1)
            #expect(job["model"] as? String == "sd15-tiny")
            let config = try #require(job["config"] as? [String: Any])
            #expect(config["network_dim"] as? Int == 4)
            #expect(config["model"] == nil && config["dataset"] == nil)
            let effective = try #require(job["effective_config"] as? [String: Any])
            #expect(effective["network_dim"] as? Int == 4)
            #expect(effective["train_batch_size"] as? Int == 1)
            #expect(effective["optimizer_type"] as? String == "AdamW")
            #expect(effective["train_data_dir"] == nil && effective["output_dir"] == nil)

            let events = try await server.services.database.writer.read { db in try JobEvent.after(0, jobID: id, db) }
            #expect(events.map(\.type) == ["state"])
            #expect(events.first?.data == #"{"state":"queued"}"#)

            let second = try jsonObject(try await client.post("/v1/jobs", json: server.jobBody()))
            #expect(second["queue_position"] as? Int == 2)
            let urgent = try jsonObject(
                try await client.post("/v1/jobs", json: server.jobBody(extra: ["priority": 5])))
            #expect(urgent["queue_position"] as? Int == 1)
        }
    }

    @Test func aJobWithoutASeedGetsOneSoThatItCanResume() async throws {
        let server = try TestServer()
        try await server.application.test(.router) { client in
            var body = server.jobBody()
            body.removeValue(forKey: "seed")
            let config = try #require(
                try jsonObject(try await client.post("/v1/jobs", json: body))["config"] as? [String: Any])
            #expect(config["seed"] is Int)
        }
    }

    /// Each invalid body names its field, and stores nothing.
    @Test(arguments: [
        (#"{"model": null}"#, "model"),
        (#"{"model": "no-such-model"}"#, "model"),
        (#"{"dataset": "no-such-dataset"}"#, "dataset"),
        (#"{"network_dim": "eight"}"#, "network_dim"),
        (#"{"netwrok_dim": 8}"#, "netwrok_dim"),
        (#"{"pretrained_model_name_or_path": "/etc"}"#, "pretrained_model_name_or_path"),
        (#"{"train_data_dir": "/"}"#, "train_data_dir"),
        (#"{"output_dir": "/tmp"}"#, "output_dir"),
        (#"{"resume": "/tmp/state"}"#, "resume"),
        (#"{"sample_prompts": "/etc/passwd"}"#, "sample_prompts"),
        (#"{"output_name": "../../escape"}"#, "output_name"),
        (#"{"caption_extension": "/../x"}"#, "caption_extension"),
        (#"{"priority": 100000}"#, "priority"),
        (#"{"optimizer_type": "NoSuchOptimizer"}"#, "optimizer_type"),
        (#"{"learning_rate": -1}"#, "learning_rate"),
        (#"{"webhook_url": "ftp://example.com/hook", "webhook_secret": "0123456789abcdef"}"#, "webhook_url"),
        (#"{"webhook_url": "https://example.com/hook"}"#, "webhook_secret"),
        (#"{"webhook_url": 7}"#, "webhook_url"),
        (
            #"{"webhook_url": "https://example.com/h", "webhook_secret": "0123456789abcdef", "webhook_events": ["x"]}"#,
            "webhook_events"
        ),
        (#"{"webhook_events": ["state"]}"#, "webhook_events"),
    ])
    func anInvalidJobIsRefusedNamingTheField(change: String, field: String) async throws {
        let server = try TestServer()
        let changes = try #require(try JSONSerialization.jsonObject(with: Data(change.utf8)) as? [String: Any])
        var body = server.jobBody(extra: changes)
        for (key, value) in changes where value is NSNull { body.removeValue(forKey: key) }
        let json = try JSONSerialization.data(withJSONObject: body)
        try await server.application.test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/jobs", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(bytes: json))
            #expect(response.status == .unprocessableContent)
            let problem = try problemDocument(response)
            #expect(problem.errors?.contains { $0.field == field } == true, "\(problem)")
            #expect(try server.count("jobs") == 0)
            #expect(try server.count("job_events") == 0)
        }
    }

    @Test func malformedBodiesGetTheStatusThatSaysWhy() async throws {
        let server = try TestServer()
        try await server.application.test(.router) { client in
            let notJSON = try await client.execute(
                uri: "/v1/jobs", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "{}"))
            #expect(notJSON.status == .unsupportedMediaType)
            let broken = try await client.execute(
                uri: "/v1/jobs", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{\"model\": "))
            #expect(broken.status == .badRequest)
            let array = try await client.post("/v1/jobs", json: [1, 2])
            #expect(array.status == .unprocessableContent)
            let huge = try await client.execute(
                uri: "/v1/jobs", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "\"" + String(repeating: "x", count: JobsController.maxBodyBytes) + "\""))
            #expect(huge.status == .contentTooLarge)
            for response in [notJSON, broken, array, huge] {
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            #expect(try server.count("jobs") == 0)
        }
    }

    @Test func anIdempotencyKeyReturnsTheFirstJobAndRefusesADifferentBody() async throws {
        let server = try TestServer()
        try await server.application.test(.router) { client in
            var body = server.jobBody()
            body.removeValue(forKey: "seed")
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "upload-42"]
            let first = try await client.post("/v1/jobs", json: body, headers: key)
            let again = try await client.post("/v1/jobs", json: body, headers: key)
            #expect(first.status == .created)
            #expect(again.status == .ok)
            #expect(try jsonObject(first)["id"] as? String == jsonObject(again)["id"] as? String)
            body["network_dim"] = 16
            let other = try await client.post("/v1/jobs", json: body, headers: key)
            #expect(other.status == .conflict)
            #expect(try server.count("jobs") == 1)
        }
    }

    @Test func listsArePagedNewestFirstAndFilteredByState() async throws {
        let server = try TestServer()
        try await server.application.test(.router) { client in
            var ids: [String] = []
            for _ in 0..<5 {
                ids.append(
                    try #require(
                        try jsonObject(try await client.post("/v1/jobs", json: server.jobBody()))["id"] as? String))
            }
            _ = try await client.execute(uri: "/v1/jobs/\(ids[0])/cancel", method: .post)
            var seen: [String] = []
            var uri = "/v1/jobs?limit=2"
            while true {
                let page = try jsonObject(try await client.execute(uri: uri, method: .get))
                let jobs = try #require(page["jobs"] as? [[String: Any]])
                #expect(jobs.count <= 2)
                #expect(jobs.allSatisfy { $0["config"] == nil })
                seen += jobs.compactMap { $0["id"] as? String }
                guard let cursor = page["next_cursor"] as? String else { break }
                uri = "/v1/jobs?limit=2&cursor=\(cursor)"
            }
            #expect(Set(seen) == Set(ids) && seen.count == 5)
            let canceled = try jsonObject(try await client.execute(uri: "/v1/jobs?state=canceled", method: .get))
            #expect((canceled["jobs"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])
            for query in ["state=nope", "limit=0", "limit=201", "limit=x", "cursor=%%%"] {
                let response = try await client.execute(uri: "/v1/jobs?\(query)", method: .get)
                #expect(response.status == .unprocessableContent, "\(query)")
            }
        }
    }

    @Test func cancelRetryAndDeleteFollowTheJobsState() async throws {
        let server = try TestServer()
        try await server.application.test(.router) { client in
            let id = try #require(
                try jsonObject(try await client.post("/v1/jobs", json: server.jobBody()))["id"] as? String)
            #expect(try await client.execute(uri: "/v1/jobs/\(id)/retry", method: .post).status == .conflict)
            #expect(try await client.execute(uri: "/v1/jobs/\(id)/sample", method: .post).status == .conflict)
            #expect(try await client.execute(uri: "/v1/jobs/\(id)/save", method: .post).status == .conflict)
            let canceled = try await client.execute(uri: "/v1/jobs/\(id)/cancel", method: .post)
            #expect(try jsonObject(canceled)["state"] as? String == "canceled")
            #expect(try jsonObject(canceled)["finished_at"] is String)
            #expect(try await client.execute(uri: "/v1/jobs/\(id)/cancel", method: .post).status == .conflict)
            let retried = try await client.execute(uri: "/v1/jobs/\(id)/retry", method: .post)
            #expect(try jsonObject(retried)["state"] as? String == "queued")

            try await server.services.database.writer.write { db in
                try db.execute(sql: "UPDATE jobs SET state = 'training' WHERE id = ?", arguments: [id])
            }
            #expect(try await client.execute(uri: "/v1/jobs/\(id)", method: .delete).status == .conflict)
            try await server.services.database.writer.write { db in
                try db.execute(sql: "UPDATE jobs SET state = 'failed' WHERE id = ?", arguments: [id])
            }
            #expect(try await client.execute(uri: "/v1/jobs/\(id)", method: .delete).status == .noContent)
            #expect(try await client.execute(uri: "/v1/jobs/\(id)", method: .get).status == .notFound)
            #expect(try server.count("job_events") == 0)
            for (uri, method) in [
                ("/v1/jobs/nope", HTTPRequest.Method.get), ("/v1/jobs/nope/cancel", .post),
                ("/v1/jobs/nope/retry", .post), ("/v1/jobs/nope", .delete), ("/v1/jobs/nope/events", .get),
                ("/v1/jobs/nope/metrics", .get), ("/v1/jobs/nope/samples", .get), ("/v1/jobs/nope/checkpoints", .get),
                ("/v1/jobs/nope/sample", .post),
            ] {
                #expect(try await client.execute(uri: uri, method: method).status == .notFound, "\(method) \(uri)")
            }
        }
    }

    @Test func modelsListsTheFixtureModelsWithTheirArchitecture() async throws {
        let server = try TestServer()
        try await server.application.test(.router) { client in
            let models = try #require(
                try jsonObject(try await client.execute(uri: "/v1/models", method: .get))["models"] as? [[String: Any]])
            let byID = Dictionary(uniqueKeysWithValues: models.compactMap { m in (m["id"] as? String).map { ($0, m) } })
            #expect(byID["sd15-tiny"]?["architecture"] as? String == "sd1")
            #expect(byID["sd15-tiny"]?["format"] as? String == "diffusers")
            #expect(byID["sdxl-tiny.safetensors"]?["architecture"] as? String == "sdxl")
            #expect(byID["sdxl-tiny.safetensors"]?["format"] as? String == "single_file")
            #expect(byID["sd2-tiny"]?["architecture"] as? String == "sd2")
            #expect((byID["sd15-tiny"]?["size"] as? Int ?? 0) > 0)
        }
    }

    /// A job's webhook is stored with it (its secret never shown), and its events are queued for delivery.
    @Test func aJobsWebhookIsShownWithoutItsSecretAndGetsItsEvents() async throws {
        let server = try TestServer()
        try await server.application.test(.router) { client in
            let secret = "a-webhook-secret-of-the-job"
            let response = try await client.post(
                "/v1/jobs",
                json: server.jobBody(extra: [
                    "webhook_url": "https://example.com/lorad", "webhook_events": ["state", "checkpoint"],
                    "webhook_secret": secret,
                ]))
            #expect(response.status == .created)
            let job = try jsonObject(response)
            #expect(job["webhook_url"] as? String == "https://example.com/lorad")
            #expect(job["webhook_events"] as? [String] == ["state", "checkpoint"])
            #expect(!bodyString(response).contains(secret))
            let config = try #require(job["config"] as? [String: Any])
            #expect(config["webhook_url"] == nil && config["webhook_secret"] == nil)
            let id = try #require(job["id"] as? String)
            _ = try await client.execute(uri: "/v1/jobs/\(id)/cancel", method: .post)
            let deliveries = try await server.services.database.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhook_deliveries WHERE job_id = ?", arguments: [id])
            }
            #expect(deliveries == 2)
        }
    }
}
