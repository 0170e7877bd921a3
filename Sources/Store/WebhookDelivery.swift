import GRDB

/// One event waiting for (or done with) delivery to its job's webhook, one row of `webhook_deliveries`: the outbox.
/// Times are unix milliseconds.
public struct WebhookDelivery: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "webhook_deliveries"

    /// A UUID, lowercase; sent as `X-Lorad-Delivery`, so that a receiver can drop a repeated delivery.
    public var id: String
    public var jobID: String
    /// The `seq` of the job event delivered.
    public var eventSeq: Int64
    /// The attempts made so far.
    public var attempts: Int
    /// When the next attempt may start.
    public var nextAttemptAt: Int64
    public var deliveredAt: Int64?
    /// When the service gave up after its last attempt.
    public var abandonedAt: Int64?
    /// Why the last attempt failed.
    public var lastError: String?
    public var createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, attempts
        case jobID = "job_id"
        case eventSeq = "event_seq"
        case nextAttemptAt = "next_attempt_at"
        case deliveredAt = "delivered_at"
        case abandonedAt = "abandoned_at"
        case lastError = "last_error"
        case createdAt = "created_at"
    }

    /// Whether the delivery still waits for a successful attempt.
    public var isPending: Bool { deliveredAt == nil && abandonedAt == nil }
}

extension WebhookDelivery {
    /// A due delivery with what sending it needs: the event and the job's webhook.
    public struct Due: Sendable, Equatable {
        public var delivery: WebhookDelivery
        public var event: JobEvent
        public var url: String
        /// The job's secret; nil means the server's.
        public var secret: String?
    }

    /// Adds a delivery of `event` when its job has a webhook whose events include the event's type. Returns whether
    /// it did. Run it in the transaction that appends the event.
    @discardableResult
    public static func enqueue(_ event: JobEvent, id: String, at now: Int64, _ db: Database) throws -> Bool {
        try db.execute(
            sql: """
                INSERT INTO webhook_deliveries (id, job_id, event_seq, attempts, next_attempt_at, created_at)
                SELECT ?, job_id, ?, 0, ?, ? FROM job_webhooks
                WHERE job_id = ? AND EXISTS (SELECT 1 FROM json_each(events) WHERE value = ?)
                """,
            arguments: [id, event.seq, now, now, event.jobID, event.type])
        return db.changesCount > 0
    }

    /// The first pending delivery of each job, so that a job's events arrive in order: a later one waits until the
    /// earlier one is delivered or abandoned.
    private static let pendingHeads = """
        d.delivered_at IS NULL AND d.abandoned_at IS NULL
        AND d.event_seq = (
          SELECT MIN(p.event_seq) FROM webhook_deliveries p
          WHERE p.job_id = d.job_id AND p.delivered_at IS NULL AND p.abandoned_at IS NULL
        )
        """

    /// The deliveries to attempt at `now`, oldest first, at most `limit` of them and at most one per job.
    public static func due(at now: Int64, limit: Int, _ db: Database) throws -> [Due] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT d.*, e.type AS event_type, e.data AS event_data, e.created_at AS event_created_at,
                  w.url AS webhook_url, w.secret AS webhook_secret
                FROM webhook_deliveries d
                JOIN job_events e ON e.job_id = d.job_id AND e.seq = d.event_seq
                JOIN job_webhooks w ON w.job_id = d.job_id
                WHERE \(pendingHeads) AND d.next_attempt_at <= ?
                ORDER BY d.created_at, d.rowid
                LIMIT ?
                """,
            arguments: [now, max(limit, 0)])
        return try rows.map { row in
            let delivery = try WebhookDelivery(row: row)
            let event = JobEvent(
                jobID: delivery.jobID, seq: delivery.eventSeq, type: row["event_type"], data: row["event_data"],
                createdAt: row["event_created_at"])
            return Due(delivery: delivery, event: event, url: row["webhook_url"], secret: row["webhook_secret"])
        }
    }

    /// The earliest time at which a delivery becomes due, nil when none is pending.
    public static func nextAttemptTime(_ db: Database) throws -> Int64? {
        try Int64.fetchOne(
            db, sql: "SELECT MIN(d.next_attempt_at) FROM webhook_deliveries d WHERE \(pendingHeads)")
    }

    /// Records a successful attempt of delivery `id`.
    public static func recordDelivered(id: String, at now: Int64, _ db: Database) throws {
        try db.execute(
            sql:
                "UPDATE webhook_deliveries SET attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id = ?",
            arguments: [now, id])
    }

    /// Records a failed attempt of delivery `id`: the next one at `retryAt`, or none (abandoned at `now`) when nil.
    public static func recordFailure(id: String, error: String, retryAt: Int64?, at now: Int64, _ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE webhook_deliveries
                SET attempts = attempts + 1, last_error = ?, next_attempt_at = COALESCE(?, next_attempt_at),
                  abandoned_at = CASE WHEN ? IS NULL THEN ? END
                WHERE id = ?
                """,
            arguments: [error, retryAt, retryAt, now, id])
    }
}
