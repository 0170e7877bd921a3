import Foundation
import GRDB
import Store

/// The `grid` server-sent event: a grid's state and progress, sent on its job's stream (while that is open) and on
/// `/v1/events` whenever the grid changes, and `grid_deleted` once it is deleted. It is read from the grid's row when
/// sent, not stored in the job's event log, so it carries no `id:` (a reconnecting client reads the grids itself).
struct GridEvent: Encodable, Sendable, Equatable {
    var gridID: String
    var jobID: String
    var state: Grid.State
    var done: Int
    var total: Int
    var url: String

    enum CodingKeys: String, CodingKey {
        case state, done, total, url
        case gridID = "grid_id"
        case jobID = "job_id"
    }

    init(_ grid: Grid) throws {
        gridID = grid.id
        jobID = grid.jobID
        state = grid.state
        done = grid.progress
        total = try GridSpec.decode(grid.spec).cellCount
        url = GridResource.path(jobID: grid.jobID, gridID: grid.id)
    }

    /// The event's wire form for grid `id` of job `jobID` as it is now: `grid`, or `grid_deleted` once it is gone.
    static func text(gridID id: String, jobID: String, _ database: StoreDatabase) async throws -> String {
        let grid = try await database.writer.read { db in try Grid.fetchOne(db, key: id) }
        guard let grid else {
            let data = String(decoding: try JSONResponse.encode(Deleted(gridID: id, jobID: jobID)), as: UTF8.self)
            return ServerSentEvent(event: "grid_deleted", data: data).text
        }
        let data = String(decoding: try JSONResponse.encode(try GridEvent(grid)), as: UTF8.self)
        return ServerSentEvent(event: "grid", data: data).text
    }

    /// The data of `grid_deleted`.
    private struct Deleted: Encodable {
        var gridID: String
        var jobID: String

        enum CodingKeys: String, CodingKey {
            case gridID = "grid_id"
            case jobID = "job_id"
        }
    }
}
