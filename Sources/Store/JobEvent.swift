import GRDB

/// One progress event of a job, one row of `job_events`. `seq` counts from 1 per job and is the SSE event id, so a
/// client reconnecting with `Last-Event-ID: n` gets the events after `n`.
public struct JobEvent: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "job_events"

    public var jobID: String
    public var seq: Int64
    /// The event's kind, e.g. `progress`, `sample`, `checkpoint`, `state`.
    public var type: String
    /// The event's payload, JSON text.
    public var data: String
    /// Unix milliseconds.
    public var createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case seq, type, data
        case jobID = "job_id"
        case createdAt = "created_at"
    }

    /// Appends an event to job `jobID` with the next sequence number. Run it in a write transaction (the one that
    /// changes the job, when the event reports that change).
    public static func append(jobID: String, type: String, data: String, _ db: Database) throws -> JobEvent {
        guard Job.isValidJSON(data) else { throw StoreError.invalidJSON(field: "data") }
        guard try Job.exists(db, key: jobID) else { throw StoreError.jobNotFound(id: jobID) }
        // One statement computes the number and inserts, so no other writer can take the same one in between.
        let event = try JobEvent.fetchOne(
            db,
            sql: """
                INSERT INTO job_events (job_id, seq, type, data, created_at)
                SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ? FROM job_events WHERE job_id = ?
                RETURNING *
                """,
            arguments: [jobID, type, data, UnixMilliseconds.now(), jobID])
        guard let event else { throw StoreError.jobNotFound(id: jobID) }
        return event
    }

    /// The events of job `jobID` numbered after `seq` (0 for all), in order, at most `limit` of them (none when
    /// `limit` is 0 or less).
    public static func after(_ seq: Int64, jobID: String, limit: Int = 1000, _ db: Database) throws -> [JobEvent] {
        try JobEvent
            .filter(Column("job_id") == jobID && Column("seq") > seq)
            .order(Column("seq"))
            .limit(max(limit, 0))  // SQLite reads a negative LIMIT as no limit
            .fetchAll(db)
    }
}
