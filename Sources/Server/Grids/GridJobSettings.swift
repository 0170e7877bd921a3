import Foundation
import Store
import Training

/// What a job's grids take from its options: the sample prompts (the default prompts), the sampler a prompt line
/// without `--ss` uses, the seed a prompt without `--d` derives from, and clip skip.
struct GridJobSettings {
    /// The job's options, loaded as the worker loaded them (with stand-in paths: a grid needs none of them).
    let config: TrainingConfig
    /// The job's `sample_prompts` lines, as submitted.
    let samplePromptLines: [String]

    init(job: Job) throws {
        let options = try JobOptions.decode(job.config)
        let scratch = URL(fileURLWithPath: "/")
        config = try TrainingConfig.decode(
            options: JobOptions.withServerPaths(
                options, modelPath: scratch.path, datasetFolder: scratch, outputFolder: scratch),
            baseDirectory: scratch.path
        ).config
        if case .array(let items)? = options["sample_prompts"] {
            samplePromptLines = items.compactMap { if case .string(let line) = $0 { line } else { nil } }
        } else {
            samplePromptLines = []
        }
    }

    /// The seed the job's run used, from which a prompt without `--d` gets its own (as `Trainer` derives it).
    var runSeed: UInt64 { config.seed.map { UInt64(truncatingIfNeeded: $0) } ?? 0 }

    /// Prompt line `line`, at `index` in its list, with every setting resolved as the job's samples resolve it.
    func prompt(_ line: String, index: Int) throws(SamplePromptError) -> SamplePrompt {
        var prompt = try SamplePromptReader.read(.lines([line]), defaultSampler: config.sampleSampler).prompts[0]
        prompt.index = index
        return prompt
    }
}
