import GRDB

extension Job {
    /// The jobs a crash or kill left claimed (preparing or training), put back in the queue; they keep their resume
    /// state, so they continue from their last saved step. Run it at start-up, before any worker claims.
    public static func requeueInterrupted(_ db: Database) throws -> [Job] {
        try Job.fetchAll(
            db,
            sql: """
                UPDATE jobs SET state = 'queued', worker = NULL, heartbeat_at = NULL
                WHERE state IN ('preparing', 'training')
                RETURNING *
                """)
    }

    /// Moves job `id` from one of `from` to `to`, setting `finished_at` for a final state and clearing the claim for
    /// `queued`. Returns the updated job, or nil when the job is missing or not in one of `from` (someone else moved
    /// it first: a cancel while a worker finishes, say).
    public static func transition(
        _ id: String, from: Set<JobState>, to: JobState, error: String? = nil, _ db: Database
    ) throws -> Job? {
        let now = UnixMilliseconds.now()
        let states = from.map(\.rawValue).sorted()
        let placeholders = databaseQuestionMarks(count: states.count)
        let arguments: StatementArguments = [to.rawValue, error, to.isFinal ? now : nil, to == .queued ? 1 : 0, id]
        return try Job.fetchOne(
            db,
            sql: """
                UPDATE jobs SET state = ?, error = ?, finished_at = ?,
                  worker = CASE WHEN ?4 THEN NULL ELSE worker END,
                  heartbeat_at = CASE WHEN ?4 THEN NULL ELSE heartbeat_at END
                WHERE id = ? AND state IN (\(placeholders))
                RETURNING *
                """,
            arguments: arguments + StatementArguments(states))
    }

    /// The job's place in the queue, 1 for the next to run; nil unless it is queued. Ordered as `claimNext` claims.
    public func queuePosition(_ db: Database) throws -> Int? {
        guard state == .queued else { return nil }
        let ahead = try Int.fetchOne(
            db,
            sql: """
                SELECT COUNT(*) FROM jobs AS other, jobs AS this
                WHERE this.id = ? AND other.state = 'queued' AND (
                  other.priority > this.priority
                  OR (other.priority = this.priority AND other.created_at < this.created_at)
                  OR (other.priority = this.priority AND other.created_at = this.created_at AND other.rowid < this.rowid))
                """,
            arguments: [id])
        return (ahead ?? 0) + 1
    }
}
