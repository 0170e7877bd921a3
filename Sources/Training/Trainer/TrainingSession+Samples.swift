import Diffusion
import Foundation

extension TrainingSession {
    /// Renders every sample prompt with the LoRA as it is now, under `<output_dir>/sample/`.
    func renderSamples() throws {
        guard !config.samplePromptList.isEmpty else { return }
        let renderer = SampleRenderer(
            pipeline: pipeline, backend: tape, directory: outputDirectory.appendingPathComponent("sample"),
            outputName: outputName)
        for prompt in config.samplePromptList {
            // A prompt without `--d` gets a seed fixed for the run, so its images compare across steps.
            let request = TextToImageRequest(
                prompt: prompt.prompt, negativePrompt: prompt.negativePrompt, width: prompt.width,
                height: prompt.height, steps: prompt.steps, guidanceScale: Float(prompt.scale),
                sampler: prompt.sampler, seed: prompt.seed ?? seed &+ UInt64(prompt.index),
                clipSkip: model.architecture == .sdxl ? 1 : (config.clipSkip ?? 1))
            events(
                .sample(try renderer.render(request, prompt: prompt.index, step: position.step, epoch: position.epoch)))
        }
    }
}
