import Foundation
import GRDB
import Store

/// A grid as the API returns it: what it renders, the cells stored so far with their image URLs, and how far it is.
struct GridResource: Encodable, Sendable, Equatable {
    struct Cell: Encodable, Sendable, Equatable {
        var promptIndex: Int
        var checkpoint: String
        var weight: Double
        var url: String

        enum CodingKeys: String, CodingKey {
            case checkpoint, weight, url
            case promptIndex = "prompt_index"
        }
    }

    struct Progress: Encodable, Sendable, Equatable {
        var done: Int
        var total: Int
    }

    var id: String
    var jobID: String
    var state: Grid.State
    var prompts: [String]
    /// Checkpoint names: the rows of each prompt's mosaic, in order.
    var checkpoints: [String]
    /// The columns of each prompt's mosaic, in order.
    var weights: [Double]
    var seed: Int?
    var cells: [Cell]
    var progress: Progress
    var error: String?
    var createdAt: String
    var finishedAt: String?

    enum CodingKeys: String, CodingKey {
        case id, state, prompts, checkpoints, weights, seed, cells, progress, error
        case jobID = "job_id"
        case createdAt = "created_at"
        case finishedAt = "finished_at"
    }

    /// Writes the nullable fields as `null` rather than leaving their keys out.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(jobID, forKey: .jobID)
        try container.encode(state, forKey: .state)
        try container.encode(prompts, forKey: .prompts)
        try container.encode(checkpoints, forKey: .checkpoints)
        try container.encode(weights, forKey: .weights)
        try container.encode(seed, forKey: .seed)
        try container.encode(cells, forKey: .cells)
        try container.encode(progress, forKey: .progress)
        try container.encode(error, forKey: .error)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(finishedAt, forKey: .finishedAt)
    }

    /// Reads the grid's cells from `db`.
    init(_ grid: Grid, _ db: Database) throws {
        let spec = try GridSpec.decode(grid.spec)
        id = grid.id
        jobID = grid.jobID
        state = grid.state
        prompts = spec.prompts
        checkpoints = spec.checkpoints
        weights = spec.weights
        seed = spec.seed
        progress = Progress(done: grid.progress, total: spec.cellCount)
        error = grid.error
        createdAt = APITime.string(grid.createdAt)
        finishedAt = grid.finishedAt.map(APITime.string)
        let rows = try GridCell.filter(Column("grid_id") == grid.id).fetchAll(db)
        let base = Self.path(jobID: grid.jobID, gridID: grid.id)
        cells = rows.compactMap { row -> (Int, Int, Int, Cell)? in
            guard let checkpoint = spec.checkpoints.firstIndex(of: row.checkpoint),
                let weight = spec.weights.firstIndex(of: row.weight)
            else { return nil }
            let url = "\(base)/cells/\(row.promptIndex)/\(checkpoint)/\(weight).png"
            return (
                row.promptIndex, checkpoint, weight,
                Cell(promptIndex: row.promptIndex, checkpoint: row.checkpoint, weight: row.weight, url: url)
            )
        }
        .sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        .map(\.3)
    }

    /// `/v1/jobs/{job}/grids/{grid}`.
    static func path(jobID: String, gridID: String) -> String { "/v1/jobs/\(jobID)/grids/\(gridID)" }
}
