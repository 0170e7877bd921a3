import Foundation
import GRDB
import Store
import Training

/// A job as the API returns it.
struct JobResource: Codable, Sendable, Equatable {
    var id: String
    var state: JobState
    var priority: Int
    var model: String
    var dataset: String
    var createdAt: String
    var startedAt: String?
    var finishedAt: String?
    /// 1 for the next job to run; nil unless queued.
    var queuePosition: Int?
    var progress: JobProgress?
    var error: String?
    var worker: String?
    /// Where the job's events are POSTed, and which (the secret is never shown).
    var webhookURL: String?
    var webhookEvents: [String]?
    /// The options the job was submitted with (kohya names); left out of lists.
    var config: [String: ConfigValue]?
    /// Every option with the value the job runs with, defaults included (the paths the server chooses left out);
    /// left out of lists.
    var effectiveConfig: [String: ConfigValue]?

    enum CodingKeys: String, CodingKey {
        case id, state, priority, model, dataset, progress, error, worker, config
        case effectiveConfig = "effective_config"
        case webhookURL = "webhook_url"
        case webhookEvents = "webhook_events"
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case queuePosition = "queue_position"
    }

    /// Reads what the row alone does not say (the queue position) from `db`.
    init(_ job: Job, includingConfig: Bool, _ db: Database) throws {
        id = job.id
        state = job.state
        priority = job.priority
        model = job.modelID
        dataset = job.datasetID
        createdAt = APITime.string(job.createdAt)
        startedAt = job.startedAt.map(APITime.string)
        finishedAt = job.finishedAt.map(APITime.string)
        queuePosition = try job.queuePosition(db)
        progress = job.progress.flatMap { try? JSONDecoder().decode(JobProgress.self, from: Data($0.utf8)) }
        error = job.error
        worker = job.worker
        if let webhook = try JobWebhookRecord.fetchOne(db, key: job.id) {
            webhookURL = webhook.url
            webhookEvents = try? JSONDecoder().decode([String].self, from: Data(webhook.events.utf8))
        }
        guard includingConfig else { return }
        let options = try JobOptions.decode(job.config)
        config = options
        let scratch = URL(fileURLWithPath: "/")
        let loaded = try? TrainingConfig.decode(
            options: JobOptions.withServerPaths(
                options, modelPath: scratch.path, datasetFolder: scratch, outputFolder: scratch),
            baseDirectory: scratch.path)
        effectiveConfig = loaded?.config.effectiveOptions.filter { JobSubmission.serverChosenOptions[$0.key] == nil }
    }
}
