import Foundation
import GRDB

/// A checkpoint × LoRA-weight grid of a job, one row of `grids`: what was asked (`spec`, JSON text) and how far its
/// rendering is. Its images are `GridCell` rows. Times are unix milliseconds.
public struct Grid: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "grids"

    /// Queued, then claimed by a worker (rendering), then succeeded or failed.
    public enum State: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case queued, rendering, succeeded, failed

        /// Whether no worker will touch the grid again.
        public var isFinal: Bool { self == .succeeded || self == .failed }
    }

    /// A UUID, lowercase.
    public var id: String
    public var jobID: String
    public var state: State
    /// The prompts, checkpoints, weights and seed asked for, JSON text.
    public var spec: String
    public var createdAt: Int64
    /// When a worker first claimed the grid.
    public var startedAt: Int64?
    public var finishedAt: Int64?
    /// Why the grid failed.
    public var error: String?
    /// How many cells are stored.
    public var progress: Int

    enum CodingKeys: String, CodingKey {
        case id, state, spec, error, progress
        case jobID = "job_id"
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    /// Queues a grid of job `jobID` described by `spec` (JSON text). Run it in a write transaction.
    public static func enqueue(jobID: String, spec: String, _ db: Database) throws -> Grid {
        guard Job.isValidJSON(spec) else { throw StoreError.invalidJSON(field: "spec") }
        guard try Job.exists(db, key: jobID) else { throw StoreError.jobNotFound(id: jobID) }
        let grid = Grid(
            id: UUID().uuidString.lowercased(), jobID: jobID, state: .queued, spec: spec,
            createdAt: UnixMilliseconds.now(), startedAt: nil, finishedAt: nil, error: nil, progress: 0)
        try grid.insert(db)
        return grid
    }
}
