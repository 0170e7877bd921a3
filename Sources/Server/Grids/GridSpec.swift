import Foundation

/// What a grid renders, as `grids.spec` stores it: each prompt (a kohya prompt line) through each checkpoint (by
/// name, in row order) at each LoRA weight (in column order), with `seed` for every prompt when given (else each
/// prompt's `--d`, else the job's seed plus the prompt's index, as the job's samples).
struct GridSpec: Codable, Sendable, Equatable {
    var prompts: [String]
    var checkpoints: [String]
    var weights: [Double]
    var seed: Int?

    /// The number of images.
    var cellCount: Int { prompts.count * checkpoints.count * weights.count }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> GridSpec {
        try JSONDecoder().decode(GridSpec.self, from: Data(text.utf8))
    }
}
