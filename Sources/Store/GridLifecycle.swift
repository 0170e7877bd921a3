import GRDB

extension Grid {
    /// Takes the oldest queued grid for rendering: sets it `rendering` (and its start time, the first time). One
    /// statement, so two claimers never get the same grid. Returns nil when nothing is queued.
    public static func claimNext(_ db: Database) throws -> Grid? {
        try Grid.fetchOne(
            db,
            sql: """
                UPDATE grids SET state = 'rendering', started_at = COALESCE(started_at, ?)
                WHERE id = (SELECT id FROM grids WHERE state = 'queued' ORDER BY created_at, rowid LIMIT 1)
                RETURNING *
                """,
            arguments: [UnixMilliseconds.now()])
    }

    /// The grids a crash or kill left rendering, queued again; their stored cells stay, so rendering continues
    /// where it stopped. Run it at start-up, before any worker claims.
    public static func requeueInterrupted(_ db: Database) throws -> [Grid] {
        try Grid.fetchAll(db, sql: "UPDATE grids SET state = 'queued' WHERE state = 'rendering' RETURNING *")
    }

    /// Moves grid `id` from `rendering` to `to`, setting `finished_at` for a final state. Returns the updated grid,
    /// or nil when it is gone or no longer rendering (its job was deleted).
    public static func finishRendering(_ id: String, to: State, error: String? = nil, _ db: Database) throws -> Grid? {
        try Grid.fetchOne(
            db,
            sql: """
                UPDATE grids SET state = ?, error = ?, finished_at = ?
                WHERE id = ? AND state = 'rendering'
                RETURNING *
                """,
            arguments: [to.rawValue, error, to.isFinal ? UnixMilliseconds.now() : nil, id])
    }

    /// Stores `cell` with its image `blob` (already `put` in the blob store) and counts it in `progress`. Returns
    /// false, storing nothing, when the grid is no longer rendering (its job was deleted meanwhile).
    public static func store(_ cell: GridCell, blob: BlobReference, _ db: Database) throws -> Bool {
        let state = try State.fetchOne(db, sql: "SELECT state FROM grids WHERE id = ?", arguments: [cell.gridID])
        guard state == .rendering else { return false }
        try blob.register(db)
        // Plain SQL: GRDB's upsert asks for a rowid, which this WITHOUT ROWID table has not.
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO grid_cells (grid_id, prompt_index, checkpoint, weight, blob_sha256, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                cell.gridID, cell.promptIndex, cell.checkpoint, cell.weight, cell.blobSHA256, cell.createdAt,
            ])
        try db.execute(
            sql: "UPDATE grids SET progress = (SELECT COUNT(*) FROM grid_cells WHERE grid_id = ?1) WHERE id = ?1",
            arguments: [cell.gridID])
        return true
    }
}
