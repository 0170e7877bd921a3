import Diffusion

extension TrainingConfig {
    /// The text-to-image request that renders `prompt` as this config's training run previews it: a prompt without
    /// `--d` gets `runSeed + index` (a seed fixed for the run, so its images compare across steps), and clip skip
    /// applies to SD 1.x/2.x only. The server renders its checkpoint grids through this too, so that a grid cell
    /// matches the job's samples.
    public func sampleRequest(
        for prompt: SamplePrompt, runSeed: UInt64, architecture: ModelArchitecture
    ) -> TextToImageRequest {
        TextToImageRequest(
            prompt: prompt.prompt, negativePrompt: prompt.negativePrompt, width: prompt.width, height: prompt.height,
            steps: prompt.steps, guidanceScale: Float(prompt.scale), sampler: prompt.sampler,
            seed: prompt.seed ?? runSeed &+ UInt64(prompt.index),
            clipSkip: architecture == .sdxl ? 1 : (clipSkip ?? 1))
    }
}
