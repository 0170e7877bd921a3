import Crypto
import Foundation
import GRDB
import SafeTensors
import TestSupport
import Testing

/// The real `lorad serve`, killed with SIGKILL at random moments of a training job and restarted each time: the job
/// still finishes, every committed event, sample and checkpoint is intact, no blob is orphaned or missing, and the
/// LoRA equals the one of a run that was never interrupted (the job resumed from its saved states).
@Suite(.serialized) final class ServeCrashTests {
    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    var dataDirectory: URL { scratch.appendingPathComponent("data") }

    func startServer() async throws -> ServerProcess {
        try await ServerProcess(
            [
                "--data-dir", dataDirectory.path, "--models-dir",
                LoradProcess.fixtures.appendingPathComponent("models").path,
                "--dataset-root", LoradProcess.fixtures.appendingPathComponent("datasets").path, "--save-state-every",
                "1",
            ], logs: scratch)
    }

    static var jobBody: [String: Any] {
        [
            "model": "sd15-tiny", "resolution": "64", "max_train_steps": 40, "network_dim": 4, "network_alpha": 2,
            "learning_rate": 1e-3, "seed": 11, "output_name": "crash", "save_every_n_steps": 10,
            "sample_prompts": ["zkz stripes --w 64 --h 64 --s 2 --d 5"], "sample_every_n_steps": 10,
        ]
    }

    func waitFor(
        _ server: ServerProcess, job id: String, timeout: Duration = .seconds(600), _ condition: ([String: Any]) -> Bool
    )
        async throws -> [String: Any]
    {
        let deadline = ContinuousClock.now + timeout
        while true {
            let job = try await server.object("GET", "/v1/jobs/\(id)")
            if condition(job) { return job }
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ServerProcessError(description: "job \(id) did not get there in \(timeout); stderr: \(server.stderr)")
    }

    @Test func killedServersLoseNothingAndTheJobEndsAsIfNeverInterrupted() async throws {
        let seed = UInt64(Date().timeIntervalSince1970)
        print("ServeCrashTests seed: \(seed) (the kill moments)")
        var random = SplitMix64(seed: seed)
        var server = try await startServer()
        let dataset = try await server.object(
            "POST", "/v1/datasets", json: ["name": "stripes", "path": "stripes/train"])
        var body = Self.jobBody
        body["dataset"] = try #require(dataset["id"] as? String)
        let id = try #require(try await server.object("POST", "/v1/jobs", json: body)["id"] as? String)

        for kill in 1...3 {
            _ = try await waitFor(server, job: id) {
                ($0["state"] as? String) == "training" || ($0["state"] as? String) == "succeeded"
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...3000, using: &random)))
            try await server.stop(with: SIGKILL)
            print("kill \(kill) at step \(try progressStep(id) ?? 0)")
            server = try await startServer()
        }
        let finished = try await waitFor(server, job: id) {
            ($0["state"] as? String).map { ["succeeded", "failed", "canceled"].contains($0) } ?? false
        }
        #expect(finished["state"] as? String == "succeeded", "\(finished["error"] ?? "")")

        // Every event is there once, numbered 1, 2, … without a gap, and the stream ends after the final state.
        let (_, stream, _) = try await server.request("GET", "/v1/jobs/\(id)/events")
        let ids = String(decoding: stream, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("id: ") }
            .compactMap { Int($0.dropFirst(4)) }
        #expect(ids == Array(1...ids.count))
        #expect(String(decoding: stream, as: UTF8.self).hasSuffix("data: {\"state\":\"succeeded\"}\n\n"))

        let samples = try #require(
            try await server.object("GET", "/v1/jobs/\(id)/samples")["samples"] as? [[String: Any]])
        // Step 0 is the base model's picture, which server jobs with sample prompts render first by default.
        #expect(samples.compactMap { $0["step"] as? Int } == [0, 10, 20, 30, 40])
        for sample in samples {
            let (status, png, _) = try await server.request("GET", try #require(sample["url"] as? String))
            #expect(status == 200 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        }
        let checkpoints = try #require(
            try await server.object("GET", "/v1/jobs/\(id)/checkpoints")["checkpoints"] as? [[String: Any]])
        #expect(Set(checkpoints.compactMap { $0["step"] as? Int }) == [10, 20, 30, 40])
        var finalLoRA = Data()
        for checkpoint in checkpoints {
            let (status, file, _) = try await server.request("GET", try #require(checkpoint["url"] as? String))
            #expect(status == 200)
            #expect(
                SHA256.hash(data: file).map { String(format: "%02x", $0) }.joined() == checkpoint["sha256"] as? String)
            if checkpoint["is_final"] as? Bool == true { finalLoRA = file }
        }

        // The same job, never interrupted, ends with the same weights.
        let reference = try #require(try await server.object("POST", "/v1/jobs", json: body)["id"] as? String)
        _ = try await waitFor(server, job: reference) {
            ($0["state"] as? String) == "succeeded" || ($0["state"] as? String) == "failed"
        }
        let (_, referenceList, _) = try await server.request(
            "GET", "/v1/jobs/\(reference)/checkpoints/crash.safetensors")
        let (interrupted, uninterrupted) = (
            try SafeTensorsFile(data: finalLoRA), try SafeTensorsFile(data: referenceList)
        )
        #expect(interrupted.entries.map(\.name).sorted() == uninterrupted.entries.map(\.name).sorted())
        for entry in interrupted.entries {
            #expect(try interrupted.floats(entry.name) == uninterrupted.floats(entry.name), "\(entry.name)")
        }

        // After a clean stop and one more start (which collects), every blob row has its file and every file its row.
        try await server.stop(with: SIGTERM)
        server = try await startServer()
        try await server.stop(with: SIGTERM)
        let database = try DatabaseQueue(path: dataDirectory.appendingPathComponent("lorad.sqlite").path)
        let rows = try await database.read { db in
            try [String: Int64](
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT sha256, size FROM blobs").map {
                    ($0["sha256"], $0["size"])
                })
        }
        let blobFolder = dataDirectory.appendingPathComponent("blobs/sha256")
        var files: [String: Int64] = [:]
        for prefix in try FileManager.default.contentsOfDirectory(atPath: blobFolder.path) {
            for rest in try FileManager.default.contentsOfDirectory(
                atPath: blobFolder.appendingPathComponent(prefix).path)
            {
                let attributes = try FileManager.default.attributesOfItem(
                    atPath: blobFolder.appendingPathComponent("\(prefix)/\(rest)").path)
                files[prefix + rest] = (attributes[.size] as? NSNumber)?.int64Value
            }
        }
        #expect(rows == files)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dataDirectory.appendingPathComponent("blobs/tmp").path)
                .isEmpty)
    }

    /// The last step the database recorded for the job, read while no server runs.
    func progressStep(_ id: String) throws -> Int? {
        let database = try DatabaseQueue(path: dataDirectory.appendingPathComponent("lorad.sqlite").path)
        return try database.read { db in
            try String.fetchOne(db, sql: "SELECT progress FROM jobs WHERE id = ?", arguments: [id])
                .flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }?["step"] as? Int
        }
    }
}
