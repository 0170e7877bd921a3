import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import Store
import TestSupport
import Testing

@testable import Server

/// A demo folder laid out as lorad bundles one (`model/`, `dataset/10_…/`, `demo_lora.toml`), made from the fixtures
/// in a temporary folder: the tiny SD1.5 model and the stripes training images.
struct DemoStandIn {
    let url: URL

    static let triggerWord = "zkz stripes"
    static let maxTrainSteps = 2
    static let samplePrompts = ["zkz stripes --w 64 --h 64 --s 2", "a zkz stripes picture --w 64 --h 64 --s 2 --d 5"]

    /// The config, with relative paths as in the bundled one.
    static let config = """
        pretrained_model_name_or_path = "model"
        train_data_dir = "dataset"
        output_dir = "output"
        logging_dir = "logs"
        output_name = "demo"

        [training]
        resolution = "64"
        max_train_steps = \(maxTrainSteps)
        network_dim = 4
        network_alpha = 2
        learning_rate = 1e-3
        seed = 11
        sample_every_n_steps = 1
        sample_at_first = true
        sample_prompts = [\(samplePrompts.map { "\"\($0)\"" }.joined(separator: ", "))]
        """

    init() throws {
        url = try makeTemporaryDirectory().appendingPathComponent("Demo", isDirectory: true)
        let fileManager = FileManager.default
        try fileManager.createDirectory(
            at: url.appendingPathComponent("dataset"), withIntermediateDirectories: true)
        try fileManager.copyItem(at: Fixtures.model("sd15-tiny"), to: url.appendingPathComponent("model"))
        try fileManager.copyItem(
            at: Fixtures.root.appendingPathComponent("datasets/stripes/train/10_\(Self.triggerWord)"),
            to: url.appendingPathComponent("dataset/10_\(Self.triggerWord)"))
        try Self.config.write(to: url.appendingPathComponent("demo_lora.toml"), atomically: true, encoding: .utf8)
    }

    var modelPath: String { url.appendingPathComponent("model").standardizedFileURL.path }

    /// The images of the dataset folder.
    var imageNames: [String] {
        get throws {
            try FileManager.default.contentsOfDirectory(
                atPath: url.appendingPathComponent("dataset/10_\(Self.triggerWord)").path
            ).filter { $0.hasSuffix(".png") }.sorted()
        }
    }

    /// Removes the temporary folder around the demo folder.
    func remove() {
        try? FileManager.default.removeItem(at: url.deletingLastPathComponent())
    }
}

/// One start of a server on `dataDirectory`, as `lorad serve` prepares it, without listening.
func startServer(
    dataDirectory: URL, demo: URL?, modelsDirectories: [URL] = []
) throws -> ServerServices {
    let configuration = ServerConfiguration(
        port: 0, dataDirectory: dataDirectory, modelsDirectories: modelsDirectories,
        staticDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("absent"),
        demoDirectory: demo)
    return try ServerServices.prepare(configuration: configuration, logger: Logger(label: "test"))
}

extension ServerServices {
    /// Queues the demo job with `POST /v1/demo/job` and runs a CPU worker until the job has ended; its final row.
    func trainDemoJob(timeout: Duration) async throws -> Job {
        let id = try await buildApplication(services: self).test(.router) { client in
            let created = try await client.execute(uri: "/v1/demo/job", method: .post)
            #expect(created.status == .created, "\(bodyString(created))")
            return try #require(try jsonObject(created)["id"] as? String)
        }
        let pool = WorkerPool(services: self, devices: [.cpu], logger: Logger(label: "demo"))
        var finished: Job?
        try await WorkerTests().withWorkers(pool) {
            // Checked before the deadline: on 2 cores other tests may hold this process's threads for long.
            let deadline = ContinuousClock.now + timeout
            while true {
                let job = try #require(try await database.writer.read { db in try Job.fetchOne(db, key: id) })
                if job.state.isFinal {
                    finished = job
                    return
                }
                try #require(ContinuousClock.now < deadline, "the demo job did not end in \(timeout)")
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        return try #require(finished)
    }

    /// The row counts of the tables the demo writes.
    func demoCounts() throws -> [String: Int] {
        try database.writer.read { db in
            var counts: [String: Int] = [:]
            for table in ["models", "datasets", "dataset_images", "blobs", "demo", "jobs"] {
                counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? -1
            }
            return counts
        }
    }
}
