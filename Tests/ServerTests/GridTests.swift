import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Imaging
import Logging
import ServiceLifecycle
import Store
import TestSupport
import Testing
import Training

@testable import Server

/// Checkpoint × weight grids and the base model's image on the job page, through the API, rendered by the worker
/// pool on the CPU with the tiny SD1.5 fixture.
@Suite(.serialized) struct GridTests {
    let workers = WorkerTests()

    @Test func sampleAtFirstIsOnByDefaultForJobsWithSamplePrompts() async throws {
        let server = try TestServer()
        try await server.application.test(.router) { client in
            func options(_ body: [String: Any]) async throws -> (given: Any?, effective: Any?) {
                let job = try jsonObject(try await client.post("/v1/jobs", json: body))
                return (
                    (job["config"] as? [String: Any])?["sample_at_first"],
                    (job["effective_config"] as? [String: Any])?["sample_at_first"]
                )
            }
            let withPrompts = try await options(server.jobBody())
            #expect(withPrompts.given as? Bool == true && withPrompts.effective as? Bool == true)
            let refused = try await options(server.jobBody(extra: ["sample_at_first": false]))
            #expect(refused.given as? Bool == false && refused.effective as? Bool == false)
            let withoutPrompts = try await options(
                server.jobBody(extra: ["sample_prompts": [String](), "sample_every_n_steps": 0]))
            #expect(withoutPrompts.given == nil && withoutPrompts.effective as? Bool == false)
        }
    }

    /// A job with sample prompts renders the base model's image at step 0, gets its default grid when it succeeds,
    /// and a grid asked for afterwards renders the chosen checkpoints and weights: weight 0 is the base model, weight
    /// w is what `lorad sample --lora FILE:w` renders.
    @Test func aFinishedJobGetsItsGridsAndTheirCellsMatchTheSamplePipeline() async throws {
        let server = try TestServer()
        let document = try OpenAPIDocument()
        try await server.application.test(.router) { client in
            let id = try await workers.submit(
                server.jobBody(steps: 2, extra: ["sample_every_n_steps": 0]), to: client)
            var defaultGrid: [String: Any] = [:]
            try await workers.withWorkers(server.workers()) {
                let job = try await workers.waitFor(server, job: id) { $0.state.isFinal }
                #expect(job.state == .succeeded, "\(job.error ?? "")")
                let grids = try await server.services.database.writer.read { db in
                    try Grid.filter(Column("job_id") == id).fetchAll(db)
                }
                try #require(grids.count == 1)
                #expect(try await server.waitForGrid(grids[0].id).state == .succeeded)
                let list = try await OpenAPIDocumentTests.exchange(
                    client, document, .get, "/v1/jobs/\(id)/grids", expect: .ok)
                defaultGrid = try #require((try jsonObject(list)["grids"] as? [[String: Any]])?.first)
            }
            let base = try directRender(stripesPromptRequest())

            // The step-0 sample is the base model's image.
            let samples = try #require(
                try jsonObject(try await client.execute(uri: "/v1/jobs/\(id)/samples", method: .get))["samples"]
                    as? [[String: Any]])
            #expect(samples.compactMap { $0["step"] as? Int } == [0])
            let stepZero = try await server.image(client, try #require(samples.first?["url"] as? String))
            #expect(stepZero.pixels == base)

            // The default grid: the job's sample prompts, its checkpoints, the five usual weights.
            #expect(defaultGrid["prompts"] as? [String] == ["zkz stripes --w 64 --h 64 --s 2 --d 3"])
            #expect(defaultGrid["checkpoints"] as? [String] == ["stripes.safetensors"])
            #expect(defaultGrid["weights"] as? [Double] == [0.4, 0.6, 0.8, 1.0, 1.2])
            #expect(defaultGrid["progress"] as? [String: Int] == ["done": 5, "total": 5])
            let defaultCells = try #require(defaultGrid["cells"] as? [[String: Any]])
            #expect(defaultCells.compactMap { $0["weight"] as? Double } == [0.4, 0.6, 0.8, 1.0, 1.2])
            let log = try await workers.events(server, id).filter { $0.type == "log" }.map(\.data)
            #expect(log.contains { $0.contains("queued the checkpoint grid \(defaultGrid["id"] as? String ?? "?")") })

            let checkpoint = try await server.services.database.writer.read { db in
                try #require(try Checkpoint.filter(Column("job_id") == id).fetchOne(db))
            }
            let lora = try server.services.blobs.url(for: checkpoint.blobSHA256)
            let atOne = try await server.image(client, try #require(defaultCells[3]["url"] as? String))
            #expect(atOne.pixels == (try directRender(stripesPromptRequest(), lora: (lora, 1))))
            #expect(atOne.pixels != base)

            // A grid asked for: the chosen checkpoint at weights 0 and 0.7, with a seed for every prompt.
            let created = try await OpenAPIDocumentTests.exchange(
                client, document, .post, "/v1/jobs/\(id)/grid",
                json: ["checkpoints": ["stripes.safetensors"], "weights": [0, 0.7], "seed": 11] as [String: Any],
                expect: .accepted)
            let gridID = try #require(try jsonObject(created)["id"] as? String)
            #expect(created.headers[.location] == "/v1/jobs/\(id)/grids/\(gridID)")
            #expect(try jsonObject(created)["state"] as? String == "queued")
            try await workers.withWorkers(server.workers()) {
                let ended = try await server.waitForGrid(gridID)
                #expect(ended.state == .succeeded)
            }
            let grid = try jsonObject(
                try await OpenAPIDocumentTests.exchange(
                    client, document, .get, "/v1/jobs/\(id)/grids/\(gridID)", expect: .ok))
            let cells = try #require(grid["cells"] as? [[String: Any]])
            #expect(cells.compactMap { $0["weight"] as? Double } == [0, 0.7])
            let atZero = try await server.image(client, try #require(cells[0]["url"] as? String))
            let seeded = stripesPromptRequest(seed: 11)
            #expect(atZero.pixels == (try directRender(seeded)))
            let atSeventenths = try await server.image(client, try #require(cells[1]["url"] as? String))
            #expect(atSeventenths.pixels == (try directRender(seeded, lora: (lora, 0.7))))

            // The mosaic: one row (the checkpoint), the weights left to right.
            let mosaic = try await server.image(client, "/v1/jobs/\(id)/grids/\(gridID)/prompts/0.png")
            #expect(mosaic.width == 128 && mosaic.height == 64)
            let rowBytes = 128 * 3
            let halfBytes = 64 * 3
            let halves: [([UInt8], [UInt8])] = (0..<64).map { (y: Int) -> ([UInt8], [UInt8]) in
                let start = y * rowBytes
                return (
                    Array(mosaic.pixels[start..<(start + halfBytes)]),
                    Array(mosaic.pixels[(start + halfBytes)..<(start + rowBytes)])
                )
            }
            #expect(Array(halves.map(\.0).joined()) == atZero.pixels)
            #expect(Array(halves.map(\.1).joined()) == atSeventenths.pixels)
            let etag = try #require(
                try await client.execute(uri: "/v1/jobs/\(id)/grids/\(gridID)/prompts/0.png", method: .get)
                    .headers[.eTag])
            try await OpenAPIDocumentTests.exchange(
                client, document, .get, "/v1/jobs/\(id)/grids/\(gridID)/prompts/0.png",
                headers: [.ifNoneMatch: etag], expect: .notModified)

            // Deleting the job deletes its grids and their cells.
            #expect(try await client.execute(uri: "/v1/jobs/\(id)", method: .delete).status == .noContent)
            #expect(try server.count("grids") == 0 && server.count("grid_cells") == 0)
        }
    }

    /// Every refusal names its field or says why, and stores nothing.
    @Test func badGridRequestsAreRefusedAndStoreNothing() async throws {
        let server = try TestServer()
        let document = try OpenAPIDocument()
        try await server.application.test(.router) { client in
            let names = ["a.safetensors", "b.safetensors", "c.safetensors"]
            let id = try await server.finishedJob(client, checkpoints: names)
            let running = try await server.finishedJob(client, state: .training)
            let bare = try await server.finishedJob(client, checkpoints: [])
            let unknown = "00000000-0000-4000-8000-000000000000"
            try await OpenAPIDocumentTests.exchange(
                client, document, .post, "/v1/jobs/\(unknown)/grid", json: [String: Any](), expect: .notFound)
            try await OpenAPIDocumentTests.exchange(
                client, document, .post, "/v1/jobs/\(running)/grid", json: [String: Any](), expect: .conflict)
            try await OpenAPIDocumentTests.exchange(
                client, document, .post, "/v1/jobs/\(bare)/grid", json: [String: Any](), expect: .conflict)

            let lines = { (count: Int) in (0..<count).map { "prompt \($0) --w 64 --h 64" } }
            let cases: [([String: Any], [String])] = [
                (["checkpoints": ["nope.safetensors"]], ["checkpoints[0]"]),
                (["checkpoints": ["a.safetensors", "a.safetensors"]], ["checkpoints[1]"]),
                (["checkpoints": (0..<33).map { "x\($0)" }], ["checkpoints"]),
                (["checkpoints": [String]()], ["checkpoints"]),
                (["prompts": [""]], ["prompts[0]"]),
                (["prompts": ["fine", "  --w 64"]], ["prompts[1]"]),
                (["prompts": ["a castle --zz 3"]], ["prompts[0]"]),
                (["prompts": lines(17)], ["prompts"]),
                (["prompts": "zkz stripes"], ["prompts"]),
                (["weights": [5]], ["weights[0]"]),
                (["weights": [-4.5, 1]], ["weights[0]"]),
                (["weights": [1, "x"] as [Any]], ["weights[1]"]),
                (["weights": [1, 1]], ["weights[1]"]),
                (["weights": (0..<17).map { Double($0) / 10 }], ["weights"]),
                (["prompts": lines(16), "weights": (0..<16).map { Double($0) / 10 }], ["body"]),
                (["prompts": ["huge --w 4096 --h 4096"], "weights": [0.5, 1]], ["prompts[0]"]),
                (["seed": -1], ["seed"]),
                (["colour": "red"], ["colour"]),
                (["weights": [9], "seed": "x", "sizes": 1], ["seed", "sizes", "weights[0]"]),
            ]
            for (body, fields) in cases {
                let response = try await OpenAPIDocumentTests.exchange(
                    client, document, .post, "/v1/jobs/\(id)/grid", json: body, expect: .unprocessableContent)
                #expect(try problemDocument(response).errors?.map(\.field).sorted() == fields, "\(body)")
            }
            try await client.execute(
                uri: "/v1/jobs/\(id)/grid", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{\"weights\":")
            ).assertDocumented(document, "POST", "/v1/jobs/{id}/grid", .badRequest)
            try await client.execute(
                uri: "/v1/jobs/\(id)/grid", method: .post, headers: [.contentType: "text/plain"],
                body: ByteBuffer(string: "weights")
            ).assertDocumented(document, "POST", "/v1/jobs/{id}/grid", .unsupportedMediaType)
            #expect(try server.count("grids") == 0)

            // No body at all: every default.
            let created = try await client.execute(uri: "/v1/jobs/\(id)/grid", method: .post)
            created.assertDocumented(document, "POST", "/v1/jobs/{id}/grid", .accepted)
            let grid = try jsonObject(created)
            let gridID = try #require(grid["id"] as? String)
            #expect(grid["prompts"] as? [String] == ["zkz stripes --w 64 --h 64 --s 2 --d 3"])
            #expect(grid["checkpoints"] as? [String] == names)
            #expect(grid["weights"] as? [Double] == [0.4, 0.6, 0.8, 1.0, 1.2])
            #expect(grid["seed"] is NSNull && grid["cells"] as? [Any] != nil)
            #expect(grid["progress"] as? [String: Int] == ["done": 0, "total": 15])

            let path = "/v1/jobs/\(id)/grids/\(gridID)"
            try await OpenAPIDocumentTests.exchange(client, document, .get, "/v1/jobs/\(id)/grids", expect: .ok)
            try await OpenAPIDocumentTests.exchange(client, document, .get, path, expect: .ok)
            try await OpenAPIDocumentTests.exchange(
                client, document, .get, "/v1/jobs/\(running)/grids/\(gridID)", expect: .notFound)
            try await OpenAPIDocumentTests.exchange(
                client, document, .get, "\(path)/cells/0/0/0.png", expect: .notFound)
            try await OpenAPIDocumentTests.exchange(
                client, document, .get, "\(path)/cells/0/3/0.png", expect: .notFound)
            try await OpenAPIDocumentTests.exchange(client, document, .get, "\(path)/prompts/0.png", expect: .conflict)
            try await OpenAPIDocumentTests.exchange(client, document, .get, "\(path)/prompts/1.png", expect: .notFound)

            try await server.services.database.writer.write { db in
                try db.execute(sql: "UPDATE grids SET state = 'rendering' WHERE id = ?", arguments: [gridID])
            }
            try await OpenAPIDocumentTests.exchange(client, document, .delete, path, expect: .conflict)
            try await server.services.database.writer.write { db in
                try db.execute(sql: "UPDATE grids SET state = 'failed' WHERE id = ?", arguments: [gridID])
            }
            // The deletion is news on /v1/events, so that open pages drop the grid.
            async let listStream = client.execute(uri: "/v1/events", method: .get)
            while server.services.changes.subscriberCount == 0 { try await Task.sleep(for: .milliseconds(20)) }
            try await OpenAPIDocumentTests.exchange(client, document, .delete, path, expect: .noContent)
            try await OpenAPIDocumentTests.exchange(client, document, .delete, path, expect: .notFound)
            #expect(try server.count("grids") == 0)
            try await Task.sleep(for: .milliseconds(300))
            server.services.changes.close()
            let streamed = try await listStream
            #expect(try OpenAPIDocumentTests.checkEvents(streamed, document, path: "/v1/events") == 1)
            #expect(
                String(buffer: streamed.body).contains(
                    "event: grid_deleted\ndata: {\"grid_id\":\"\(gridID)\",\"job_id\":\"\(id)\"}\n"))
        }
    }

    /// A grid a crash left rendering is queued again at start-up and finishes without rendering the cells it had;
    /// `/v1/events` reports its progress.
    @Test func anInterruptedGridIsRequeuedAndKeepsItsCells() async throws {
        let server = try TestServer(heartbeat: .seconds(60))
        let document = try OpenAPIDocument()
        try await server.application.test(.router) { client in
            let id = try await server.finishedJob(client)
            let created = try await client.post("/v1/jobs/\(id)/grid", json: ["weights": [0.5, 1]])
            let gridID = try #require(try jsonObject(created)["id"] as? String)
            // What the crash left: the grid rendering, with its first image stored (a black one, which a render
            // would never give).
            let black = try PNGEncoder.encode(
                Imaging.Image(width: 64, height: 64, channels: 3, pixels: [UInt8](repeating: 0, count: 64 * 64 * 3)))
            let marker = try server.services.blobs.put(black, mediaType: "image/png")
            try await server.services.database.writer.write { db in
                try db.execute(sql: "UPDATE grids SET state = 'rendering' WHERE id = ?", arguments: [gridID])
                let cell = GridCell(
                    gridID: gridID, promptIndex: 0, checkpoint: "fixture.safetensors", weight: 0.5,
                    blobSHA256: marker.sha256, createdAt: 0)
                #expect(try Grid.store(cell, blob: marker, db))
            }
            try StartupRecovery.run(server.services, logger: Logger(label: "test"))
            let requeued = try await server.services.database.writer.read { db in try Grid.fetchOne(db, key: gridID) }
            #expect(requeued?.state == .queued)

            async let listStream = client.execute(uri: "/v1/events", method: .get)
            while server.services.changes.subscriberCount == 0 { try await Task.sleep(for: .milliseconds(20)) }
            try await workers.withWorkers(server.workers()) {
                let ended = try await server.waitForGrid(gridID)
                #expect(ended.state == .succeeded)
            }
            try await Task.sleep(for: .milliseconds(300))
            server.services.changes.close()
            let streamed = try await listStream
            #expect(try OpenAPIDocumentTests.checkEvents(streamed, document, path: "/v1/events") >= 2)
            let gridEvents = String(buffer: streamed.body).components(separatedBy: "\n\n")
                .filter { $0.hasPrefix("event: grid\n") }
            #expect(gridEvents.last?.contains("\"done\":2,\"grid_id\":\"\(gridID)\"") == true)
            #expect(gridEvents.last?.contains("\"state\":\"succeeded\",\"total\":2") == true)

            let cells = try await server.services.database.writer.read { db in
                try GridCell.filter(Column("grid_id") == gridID).order(Column("weight")).fetchAll(db)
            }
            #expect(cells.map(\.weight) == [0.5, 1])
            #expect(cells.first?.blobSHA256 == marker.sha256)
            let rendered = try ImageDecoder.decode(
                Data(contentsOf: try server.services.blobs.url(for: cells[1].blobSHA256)))
            #expect(rendered.pixels == (try directRender(stripesPromptRequest(), lora: (TestServer.fixtureLoRA, 1))))
        }
    }
}
