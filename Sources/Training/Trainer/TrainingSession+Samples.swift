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
            let request = config.sampleRequest(for: prompt, runSeed: seed, architecture: model.architecture)
            events(
                .sample(try renderer.render(request, prompt: prompt.index, step: position.step, epoch: position.epoch)))
        }
    }
}
