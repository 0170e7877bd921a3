import Diffusion
import Foundation
import LoRA
import Tensors
import TestSupport
import Testing

@testable import Training

/// Training learns: on the tiny SD1.5 model, a LoRA trained on the striped images with the trigger word lowers the
/// loss over the run, and images sampled with the trigger word come out closer to the training images (in latent
/// space: the tiny VAE is random, so its pixels mean nothing) with the LoRA than without it.
struct LearningTests {
    static let steps = 50

    @Test func loraLearnsTheStripes() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-learning-\(UUID())")
        defer { try? FileManager.default.removeItem(at: output) }
        var config = TrainingConfig()
        config.pretrainedModelNameOrPath = Fixtures.model("sd15-tiny").path
        config.trainDataDir = Fixtures.root.appendingPathComponent("datasets/stripes/train").path
        config.outputDir = output.path
        config.outputName = "stripes"
        config.resolution = Resolution(width: 64, height: 64)
        config.trainBatchSize = 4
        config.maxTrainSteps = Self.steps
        config.learningRate = 5e-3
        config.networkDim = 8
        config.networkAlpha = 8
        config.networkArgs.convDim = 4
        config.networkArgs.convAlpha = 4
        config.networkTrainUnetOnly = true
        config.cacheLatents = true
        config.seed = 1
        let log = EventLog()
        #expect(try Trainer(config: config, backend: CPUBackend()) { log.record($0) }.run())

        let series = log.progress.map(\.loss)
        #expect(series.count == Self.steps)
        let early = series.prefix(10).reduce(0, +) / 10
        let late = series.suffix(10).reduce(0, +) / 10
        #expect(late < 0.7 * early, "loss went from \(early) to \(late)")

        // Samples with the trigger word, against the latents of the training images.
        let backend = CPUBackend()
        let model = try StableDiffusionModel.load(from: Fixtures.model("sd15-tiny"), backend: backend)
        let pipeline = try TextToImagePipeline(model: model)
        let data = try DatasetPlan(
            settings: DatasetSettings(config: config, seed: 1), reader: ImageProbeReader())
        let latents = try TrainingLatents(vae: model.vae, backend: backend, cache: nil)
        let targets = try data.cacheVariants.map { backend.download(try latents.batch([$0])) }

        func distance() throws -> Float {
            var total: Float = 0
            for seed in UInt64(1)...3 {
                let request = TextToImageRequest(
                    prompt: "zkz stripes", width: 64, height: 64, steps: 10, guidanceScale: 1, sampler: .euler,
                    seed: seed)
                let sample = backend.download(try pipeline(request).latents)
                total +=
                    targets.map { target in
                        zip(sample, target).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Float(target.count)
                    }.min() ?? .infinity
            }
            return total / 3
        }
        let without = try distance()
        try LoRANetwork.attach(
            contentsOf: output.appendingPathComponent("stripes.safetensors"), to: model, multiplier: 1, on: backend)
        let with = try distance()
        #expect(with < 0.8 * without, "distance to the training latents: \(with) with the LoRA, \(without) without")
        print("learning: loss \(early) → \(late); sample distance \(without) → \(with)")
    }
}
