import GRDB
import Store
import Training

/// The grid queued when a job succeeds: its sample prompts through its checkpoints at `GridLimits.defaultWeights`.
/// A job with more than the limits allow gets the first `maxPrompts` prompts and as many checkpoints, evenly spaced
/// from the first to the last, as keep the grid within the limits.
enum DefaultGrid {
    /// Queues the default grid of job `jobID`, which just succeeded, logging what it holds; nil (nothing queued)
    /// when the job has no sample prompts or no checkpoint. Run it in the transaction that records the success,
    /// before the job's final state event.
    static func queue(forJob jobID: String, _ db: Database) throws -> Grid? {
        guard let job = try Job.fetchOne(db, key: jobID), let settings = try? GridJobSettings(job: job) else {
            return nil
        }
        let checkpoints = try GridsController.checkpoints(ofJob: jobID, db)
        guard let spec = spec(settings: settings, checkpoints: checkpoints.map(\.name)) else { return nil }
        let grid = try Grid.enqueue(jobID: jobID, spec: try spec.json(), db)
        try JobEventLog.append(
            jobID,
            .log(
                level: .info,
                message:
                    "queued the checkpoint grid \(grid.id): \(spec.prompts.count) prompts × \(spec.checkpoints.count) checkpoints × \(spec.weights.count) weights"
            ), db)
        return grid
    }

    static func spec(settings: GridJobSettings, checkpoints: [String]) -> GridSpec? {
        let lines = Array(settings.samplePromptLines.prefix(GridLimits.maxPrompts))
        let weights = GridLimits.defaultWeights
        guard !lines.isEmpty, !checkpoints.isEmpty else { return nil }
        let largestPrompt = lines.enumerated().compactMap { index, line in
            (try? settings.prompt(line, index: index)).map { $0.width * $0.height }
        }.max()
        guard let largestPrompt, largestPrompt > 0 else { return nil }
        let fitting = min(
            GridLimits.maxCheckpoints, GridLimits.maxCells / (lines.count * weights.count),
            GridLimits.maxMosaicPixels / (largestPrompt * weights.count))
        guard fitting > 0 else { return nil }
        return GridSpec(
            prompts: lines, checkpoints: evenlySpaced(checkpoints, count: fitting), weights: weights, seed: nil)
    }

    /// `count` of `items` spread evenly from the first to the last (all of them when there are no more).
    static func evenlySpaced<Item>(_ items: [Item], count: Int) -> [Item] {
        guard items.count > count else { return items }
        guard count > 1 else { return [items[items.count - 1]] }
        return (0..<count).map { items[$0 * (items.count - 1) / (count - 1)] }
    }
}
