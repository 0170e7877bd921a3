import Crypto
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SafeTensors
import ServiceLifecycle
import Store
import Testing

@testable import Server

/// Jobs run by the worker pool on the CPU, on the tiny SD1.5 fixture, seen through the API.
@Suite(.serialized) struct WorkerTests {
    /// Runs `pool` as a service until `body` returns, then shuts it down gracefully.
    func withWorkers(_ pool: WorkerPool, _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(services: [pool], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            do {
                try await body()
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.next()
        }
    }

    /// Waits until job `id` satisfies `condition`, failing after `timeout`.
    @discardableResult
    func waitFor(
        _ server: TestServer, job id: String, timeout: Duration = .seconds(600), _ condition: (Job) -> Bool
    ) async throws -> Job {
        // Checked before the deadline: on 2 cores other tests may hold the test process's threads for long.
        let deadline = ContinuousClock.now + timeout
        while true {
            if let job = try await server.services.database.writer.read({ db in try Job.fetchOne(db, key: id) }),
                condition(job)
            {
                return job
            }
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TimeoutError(description: "job \(id) did not get there in \(timeout)")
    }

    struct TimeoutError: Error, CustomStringConvertible { let description: String }

    func submit(_ body: [String: Any], to client: some TestClientProtocol) async throws -> String {
        let response = try await client.post("/v1/jobs", json: body)
        #expect(response.status == .created)
        return try #require(try jsonObject(response)["id"] as? String)
    }

    func events(_ server: TestServer, _ id: String) async throws -> [JobEvent] {
        try await server.services.database.writer.read { db in try JobEvent.after(0, jobID: id, limit: 10_000, db) }
    }

    @Test func aJobRunsToTheEndAndItsOutputsAreServed() async throws {
        let server = try TestServer()
        try await server.application.test(.router) { client in
            let id = try await submit(server.jobBody(steps: 4), to: client)
            try await withWorkers(server.workers()) {
                let job = try await waitFor(server, job: id) { $0.state.isFinal }
                #expect(job.state == .succeeded, "\(job.error ?? "")")
            }
            let types = try await events(server, id).map(\.type)
            #expect(Array(types.prefix(2)) == ["state", "state"])
            #expect(types.filter { $0 == "progress" }.count == 4)
            // sample_at_first is on by default: the base model's image at step 0, then steps 2 and 4.
            #expect(types.filter { $0 == "sample" }.count == 3)
            #expect(types.contains("checkpoint"))
            #expect(types.last == "state")

            // The event stream of a finished job replays everything, then ends; Last-Event-ID skips what was seen.
            let stream = try await client.execute(uri: "/v1/jobs/\(id)/events", method: .get)
            #expect(stream.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let text = String(buffer: stream.body)
            #expect(text.components(separatedBy: "\n\n").filter { $0.hasPrefix("id: ") }.count == types.count)
            #expect(text.hasSuffix("event: state\ndata: {\"state\":\"succeeded\"}\n\n"))
            let resumed = try await client.execute(
                uri: "/v1/jobs/\(id)/events", method: .get,
                headers: [HTTPField.Name("Last-Event-ID")!: String(types.count - 1)])
            #expect(
                String(buffer: resumed.body) == "id: \(types.count)\nevent: state\ndata: {\"state\":\"succeeded\"}\n\n")

            let metrics = try jsonObject(try await client.execute(uri: "/v1/jobs/\(id)/metrics", method: .get))
            #expect(metrics["steps"] as? [Int] == [1, 2, 3, 4])
            #expect((metrics["loss"] as? [Double])?.allSatisfy(\.isFinite) == true)
            #expect((metrics["learning_rates"] as? [String: [Double]])?.values.allSatisfy { $0.count == 4 } == true)

            let samples = try #require(
                try jsonObject(try await client.execute(uri: "/v1/jobs/\(id)/samples", method: .get))["samples"]
                    as? [[String: Any]])
            #expect(samples.compactMap { $0["step"] as? Int } == [0, 2, 4])
            let sampleURL = try #require(samples.first?["url"] as? String)
            let png = try await client.execute(uri: sampleURL, method: .get)
            #expect(png.headers[.contentType] == "image/png")
            #expect(Array(png.body.readableBytesView.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])

            let checkpoints = try #require(
                try jsonObject(try await client.execute(uri: "/v1/jobs/\(id)/checkpoints", method: .get))["checkpoints"]
                    as? [[String: Any]])
            let final = try #require(checkpoints.first { $0["is_final"] as? Bool == true })
            #expect(final["name"] as? String == "stripes.safetensors")
            let download = try await client.execute(uri: try #require(final["url"] as? String), method: .get)
            #expect(download.status == .ok)
            let bytes = Data(download.body.readableBytesView)
            let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            #expect(download.headers[HTTPField.Name("X-Checksum-SHA256")!] == digest)
            #expect(final["sha256"] as? String == digest)
            #expect(download.headers[.eTag] == "\"\(digest)\"")
            #expect(download.headers[.contentDisposition] == "attachment; filename=\"stripes.safetensors\"")
            let lora = try SafeTensorsFile(data: bytes)
            #expect(lora.entries.contains { $0.name.hasPrefix("lora_unet_") && $0.name.hasSuffix(".lora_down.weight") })

            let part = try await client.execute(
                uri: try #require(final["url"] as? String), method: .get, headers: [.range: "bytes=8-15"])
            #expect(part.status == .partialContent)
            #expect(part.headers[.contentRange] == "bytes 8-15/\(bytes.count)")
            #expect(Data(part.body.readableBytesView) == bytes[8..<16])
            let unchanged = try await client.execute(
                uri: try #require(final["url"] as? String), method: .get, headers: [.ifNoneMatch: "\"\(digest)\""])
            #expect(unchanged.status == .notModified)
            let outside = try await client.execute(
                uri: try #require(final["url"] as? String), method: .get, headers: [.range: "bytes=\(bytes.count)-"])
            #expect(outside.status == .rangeNotSatisfiable)
            #expect(outside.headers[.contentRange] == "bytes */\(bytes.count)")

            #expect(!FileManager.default.fileExists(atPath: server.services.workFolder(ofJob: id).path))
        }
    }

    /// A shutdown saves the running job's state and queues it again; the next pool continues from that state and
    /// ends with the same LoRA as a run that was never interrupted.
    @Test func aShutdownRequeuesTheJobAndItResumesWhereItStopped() async throws {
        let server = try TestServer()
        try await server.application.test(.router) { client in
            // Long enough that the shutdown asked for at step 2 lands well before the end, also with the optimised
            // Tensors of debug builds, where a step of the tiny model takes milliseconds.
            let body = server.jobBody(steps: 60, extra: ["sample_prompts": [String](), "sample_every_n_steps": 0])
            let interrupted = try await submit(body, to: client)
            try await withWorkers(server.workers()) {
                try await waitFor(server, job: interrupted) { job in
                    let progress = job.progress.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) }
                    return ((progress as? [String: Any])?["step"] as? Int ?? 0) >= 2 || job.state.isFinal
                }
            }
            let stopped = try await waitFor(server, job: interrupted) { _ in true }
            #expect(stopped.state == .queued)
            #expect(stopped.resumeStateSHA256 != nil)
            let uninterrupted = try await submit(body, to: client)
            try await withWorkers(server.workers()) {
                for id in [interrupted, uninterrupted] {
                    let job = try await waitFor(server, job: id) { $0.state.isFinal }
                    #expect(job.state == .succeeded, "\(job.error ?? "")")
                }
            }
            // After the requeue, progress starts past step 1: the run continued rather than restarted.
            let afterRequeue = try await events(server, interrupted).drop {
                $0.data != #"{"state":"queued"}"# || $0.seq == 1
            }
            let steps = afterRequeue.filter { $0.type == "progress" }.compactMap { event in
                (try? JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any])?["step"] as? Int
            }
            #expect(steps.first.map { $0 > 1 } == true, "\(steps)")
            #expect(steps.last == 60)

            let files = try await server.services.database.writer.read { db in
                try [interrupted, uninterrupted].map { id in
                    try #require(
                        try Checkpoint.filter(Column("job_id") == id && Column("is_final") == true).fetchOne(db))
                }
            }
            let loras = try files.map {
                try SafeTensorsFile(contentsOf: try server.services.blobs.url(for: $0.blobSHA256))
            }
            #expect(loras[0].entries.map(\.name).sorted() == loras[1].entries.map(\.name).sorted())
            for entry in loras[0].entries {
                #expect(try loras[0].floats(entry.name) == loras[1].floats(entry.name), "\(entry.name)")
            }
        }
    }

    /// A cancel stops a running job within a step; a failing job fails with its reason, and the worker goes on to
    /// the next job.
    @Test func cancelStopsARunningJobAndAFailureLeavesTheWorkerUsable() async throws {
        let server = try TestServer()
        let brokenDataset = "5f0c3a9e-0000-4000-8000-0000000000bd"
        let garbage = try server.services.blobs.put(Data("not a png".utf8), mediaType: "image/png")
        try await server.services.database.writer.write { db in
            try garbage.register(db)
            try db.execute(
                sql: """
                    INSERT INTO datasets (id, name, created_at, source) VALUES (?, 'broken', 0, 'upload');
                    INSERT INTO dataset_images (dataset_id, position, blob_sha256, file_name, caption, width, height)
                    VALUES (?, 0, ?, '1_thing/a.png', 'a thing', 64, 64);
                    """,
                arguments: [brokenDataset, brokenDataset, garbage.sha256])
        }
        try await server.application.test(.router) { client in
            let long = try await submit(server.jobBody(steps: 500, extra: ["sample_prompts": [String]()]), to: client)
            let broken = try await submit(server.jobBody(steps: 2, extra: ["dataset": brokenDataset]), to: client)
            let good = try await submit(
                server.jobBody(steps: 2, extra: ["sample_prompts": [String](), "sample_every_n_steps": 0]), to: client)
            try await withWorkers(server.workers()) {
                try await waitFor(server, job: long) { $0.progress != nil }
                let canceled = try await client.execute(uri: "/v1/jobs/\(long)/cancel", method: .post)
                #expect(try jsonObject(canceled)["state"] as? String == "canceled")
                let stepAtCancel = try await events(server, long).filter { $0.type == "progress" }.count
                let failed = try await waitFor(server, job: broken) { $0.state.isFinal }
                #expect(failed.state == .failed)
                #expect(failed.error?.isEmpty == false)
                let succeeded = try await waitFor(server, job: good) { $0.state.isFinal }
                #expect(succeeded.state == .succeeded, "\(succeeded.error ?? "")")

                let longEvents = try await events(server, long)
                #expect(longEvents.filter { $0.type == "progress" }.count <= stepAtCancel + 1)
                #expect(longEvents.last?.data == #"{"state":"canceled"}"#)
                let brokenEvents = try await events(server, broken)
                #expect(brokenEvents.suffix(2).map(\.type) == ["error", "state"])
            }
        }
    }

    /// Start-up puts the jobs a crash left running back in the queue and collects the blobs nothing references.
    @Test func startUpRequeuesInterruptedJobsAndCollectsOrphanBlobs() async throws {
        let server = try TestServer()
        try await server.application.test(.router) { client in
            let id = try await submit(server.jobBody(), to: client)
            let state = try server.services.blobs.put(Data("state".utf8), mediaType: "application/octet-stream")
            let orphan = try server.services.blobs.put(Data("orphan".utf8), mediaType: "application/octet-stream")
            try await server.services.database.writer.write { db in
                try state.register(db)
                try db.execute(
                    sql:
                        "UPDATE jobs SET state = 'training', worker = 'worker-0', resume_state_sha256 = ? WHERE id = ?",
                    arguments: [state.sha256, id])
            }
            try StartupRecovery.run(server.services, logger: Logger(label: "test"))
            let job = try await waitFor(server, job: id) { _ in true }
            #expect(job.state == .queued && job.worker == nil && job.resumeStateSHA256 == state.sha256)
            #expect(try await events(server, id).last?.data == #"{"state":"queued"}"#)
            #expect(try server.services.blobs.contains(state.sha256))
            #expect(try !server.services.blobs.contains(orphan.sha256))
        }
    }
}
