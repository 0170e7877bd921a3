import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import Store
import TestSupport
import Testing

@testable import Server

/// A server over a fresh data directory with the fixture models scanned and one dataset stored (the stripes
/// fixture's training images and captions), inserted with plain SQL so that the job tests do not lean on the dataset
/// routes.
struct TestServer {
    let services: ServerServices
    let datasetID = "5f0c3a9e-0000-4000-8000-00000000da7a"

    init(token: String? = nil, heartbeat: Duration = .seconds(15)) throws {
        var configuration = try testConfiguration(token: token)
        configuration.eventHeartbeatInterval = heartbeat
        services = try ServerServices.open(configuration: configuration)
        try ModelCatalog.refresh(
            folders: [Fixtures.root.appendingPathComponent("models")], database: services.database,
            logger: Logger(label: "test"))
        try storeStripesDataset()
    }

    var application: some ApplicationProtocol { buildApplication(services: services) }

    /// A worker pool over this server's data directory, with a short state-save interval.
    func workers(stateSaveInterval: Duration = .seconds(300)) -> WorkerPool {
        WorkerPool(
            services: services, devices: [.cpu], timing: WorkerPool.Timing(stateSaveInterval: stateSaveInterval), logger: Logger(label: "test"))
    }

    private func storeStripesDataset() throws {
        let folder = Fixtures.root.appendingPathComponent("datasets/stripes/train/10_zkz stripes")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".png") }
            .sorted()
        let blobs = try names.map {
            try services.blobs.put(contentsOf: folder.appendingPathComponent($0), mediaType: "image/png")
        }
        try services.database.writer.write { db in
            try db.execute(
                sql: "INSERT INTO datasets (id, name, created_at, source) VALUES (?, 'stripes', 0, 'upload')",
                arguments: [datasetID])
            for (position, (name, blob)) in zip(names, blobs).enumerated() {
                try blob.register(db)
                let captionURL = folder.appendingPathComponent(name).deletingPathExtension().appendingPathExtension(
                    "txt")
                let caption = try? String(contentsOf: captionURL, encoding: .utf8)
                try db.execute(
                    sql: """
                        INSERT INTO dataset_images (dataset_id, position, blob_sha256, file_name, caption, width, height)
                        VALUES (?, ?, ?, ?, ?, 64, 64)
                        """,
                    arguments: [datasetID, position, blob.sha256, "10_zkz stripes/\(name)", caption])
            }
        }
    }

    /// A small training job on the tiny SD1.5 fixture: `steps` steps at 64 px, a sample every 2 steps.
    func jobBody(steps: Int = 4, extra: [String: Any] = [:]) -> [String: Any] {
        var body: [String: Any] = [
            "model": "sd15-tiny", "dataset": datasetID, "resolution": "64", "max_train_steps": steps,
            "network_dim": 4, "network_alpha": 2, "learning_rate": 1e-3, "seed": 7, "output_name": "stripes",
            "sample_prompts": ["zkz stripes --w 64 --h 64 --s 2 --d 3"], "sample_every_n_steps": 2,
        ]
        body.merge(extra) { $1 }
        return body
    }

    func count(_ table: String) throws -> Int {
        try services.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }
}

extension TestClientProtocol {
    /// Sends `body` as JSON.
    func post(_ uri: String, json body: Any, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        let data = try JSONSerialization.data(withJSONObject: body)
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: data))
    }
}

/// A response's JSON object.
func jsonObject(_ response: TestResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
}
