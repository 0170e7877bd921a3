import Foundation
import GRDB

/// A training job, one row of `jobs`. Times are unix milliseconds.
public struct Job: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "jobs"

    /// A UUID, lowercase.
    public var id: String
    public var state: JobState
    /// Higher runs first; equal priorities run oldest first.
    public var priority: Int
    /// The job configuration, JSON text.
    public var config: String
    public var modelID: String
    public var datasetID: String
    /// The client's key for retrying a submission safely: a second submission with the same key gets this job.
    public var idempotencyKey: String?
    public var createdAt: Int64
    /// When a worker claimed the job.
    public var startedAt: Int64?
    public var finishedAt: Int64?
    /// Why the job failed.
    public var error: String?
    /// The worker that claimed the job.
    public var worker: String?
    /// The last time the worker said it was alive.
    public var heartbeatAt: Int64?
    /// The latest progress, JSON text.
    public var progress: String?
    /// The sha256 of the blob holding the state to resume from.
    public var resumeStateSHA256: String?

    enum CodingKeys: String, CodingKey {
        case id, state, priority, config, error, worker, progress
        case modelID = "model_id"
        case datasetID = "dataset_id"
        case idempotencyKey = "idempotency_key"
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case heartbeatAt = "heartbeat_at"
        case resumeStateSHA256 = "resume_state_sha256"
    }
}

/// What a client submits to queue a job.
public struct NewJob: Sendable, Equatable {
    /// The job configuration, JSON text.
    public var config: String
    public var modelID: String
    public var datasetID: String
    public var priority: Int
    public var idempotencyKey: String?

    public init(config: String, modelID: String, datasetID: String, priority: Int = 0, idempotencyKey: String? = nil) {
        self.config = config
        self.modelID = modelID
        self.datasetID = datasetID
        self.priority = priority
        self.idempotencyKey = idempotencyKey
    }
}

extension Job {
    /// What `enqueue` did.
    public struct Enqueued: Sendable, Equatable {
        /// The queued job, or the one first submitted with the same idempotency key.
        public var job: Job
        /// False when the idempotency key returned an existing job.
        public var isNew: Bool
    }

    /// Queues `new`. With an idempotency key already used for the same submission, returns that job unchanged; with
    /// one used for a different submission, throws `StoreError.idempotencyKeyReused`. Run it in a write transaction.
    public static func enqueue(_ new: NewJob, _ db: Database) throws -> Enqueued {
        guard isValidJSON(new.config) else { throw StoreError.invalidJSON(field: "config") }
        if let key = new.idempotencyKey, let existing = try Job.filter(Column("idempotency_key") == key).fetchOne(db) {
            let sameSubmission =
                existing.config == new.config && existing.modelID == new.modelID
                && existing.datasetID == new.datasetID && existing.priority == new.priority
            guard sameSubmission else { throw StoreError.idempotencyKeyReused(key: key) }
            return Enqueued(job: existing, isNew: false)
        }
        let job = Job(
            id: UUID().uuidString.lowercased(), state: .queued, priority: new.priority, config: new.config,
            modelID: new.modelID, datasetID: new.datasetID, idempotencyKey: new.idempotencyKey,
            createdAt: UnixMilliseconds.now())
        try job.insert(db)
        return Enqueued(job: job, isNew: true)
    }

    /// Takes the next queued job (highest priority, then oldest) for `worker`: sets it `preparing` with the worker,
    /// start time and heartbeat. One statement, so two claimers, even in two processes, never get the same job.
    /// Returns nil when nothing is queued.
    public static func claimNext(worker: String, _ db: Database) throws -> Job? {
        let now = UnixMilliseconds.now()
        return try Job.fetchOne(
            db,
            sql: """
                UPDATE jobs SET state = 'preparing', worker = ?, started_at = ?, heartbeat_at = ?
                WHERE id = (
                  SELECT id FROM jobs WHERE state = 'queued' ORDER BY priority DESC, created_at, rowid LIMIT 1
                )
                RETURNING *
                """,
            arguments: [worker, now, now])
    }

    /// Whether `text` parses as JSON (any value, as SQLite's json_valid accepts).
    static func isValidJSON(_ text: String) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil
    }

    init(
        id: String, state: JobState, priority: Int, config: String, modelID: String, datasetID: String,
        idempotencyKey: String?, createdAt: Int64
    ) {
        self.init(
            id: id, state: state, priority: priority, config: config, modelID: modelID, datasetID: datasetID,
            idempotencyKey: idempotencyKey, createdAt: createdAt, startedAt: nil, finishedAt: nil, error: nil,
            worker: nil, heartbeatAt: nil, progress: nil, resumeStateSHA256: nil)
    }
}
