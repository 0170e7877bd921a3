import Foundation
import GRDB
import Testing

@testable import Server
@testable import Store

/// A store in a data directory of its own, with the model and dataset that jobs need, for the webhook tests.
struct WebhookFixture {
    let dataDirectory: URL
    let database: StoreDatabase

    init() throws {
        dataDirectory = try makeTemporaryDirectory()
        database = try StoreDatabase(dataDirectory: dataDirectory)
        try database.writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO models (id, path, architecture, format, size, found_at)
                    VALUES ('model', '/models/m', 'sd15', 'diffusers', 1, 0);
                    INSERT INTO datasets (id, name, created_at, source) VALUES ('dataset', 'd', 0, 'upload');
                    """)
        }
    }

    /// A job queued with a webhook (none when `url` is nil), as the jobs route does: in one transaction.
    func addJob(url: String?, events: [String]? = nil, secret: String? = nil) throws -> String {
        try database.writer.write { db in
            let job = try Job.enqueue(NewJob(config: "{}", modelID: "model", datasetID: "dataset"), db).job
            try JobWebhook.register(jobID: job.id, url: url, events: events, secret: secret, db)
            return job.id
        }
    }

    /// Appends an event to the job and queues its delivery, as the workers do: in one transaction.
    @discardableResult
    func append(jobID: String, type: String, data: String) throws -> JobEvent {
        try database.writer.write { db in
            let event = try JobEvent.append(jobID: jobID, type: type, data: data, db)
            try WebhookOutbox.enqueue(event, db)
            return event
        }
    }

    /// The job's deliveries in event order.
    func deliveries(of jobID: String) throws -> [WebhookDelivery] {
        try database.writer.read { db in
            try WebhookDelivery.filter(Column("job_id") == jobID).order(Column("event_seq")).fetchAll(db)
        }
    }

    /// Waits until `condition` holds, failing after `timeout`.
    func waitUntil(
        timeout: Duration = .seconds(20), _ what: String, _ condition: () throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while try !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting until \(what)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func remove() {
        try? FileManager.default.removeItem(at: dataDirectory)
    }
}

/// Runs `service` while `body` runs, then cancels it and waits for it to end.
func whileRunning(_ service: WebhookDeliveryService, _ body: () async throws -> Void) async throws {
    let task = Task { await service.run() }
    defer { task.cancel() }
    try await body()
    task.cancel()
    await task.value
}
