import Foundation
import SafeTensors
import Tensors
import TestSupport
import Testing

@testable import Training

/// What a run does when: epoch and step checkpoints with `save_last_n_epochs`, samples on both the step and the
/// epoch setting, validation losses at every epoch's end, regularisation images in the counts.
@Suite final class TrainerScheduleTests {
    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-schedule-\(UUID())")
        let concept = scratch.appendingPathComponent("train/1_zkz stripes")
        let regularisation = scratch.appendingPathComponent("reg/1_stripes")
        try FileManager.default.createDirectory(at: concept, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: regularisation, withIntermediateDirectories: true)
        let source = Fixtures.root.appendingPathComponent("datasets/stripes")
        for index in 0..<3 {
            let name = String(format: "stripes_%02d", index)
            for ext in ["png", "txt"] {
                try FileManager.default.copyItem(
                    at: source.appendingPathComponent("train/10_zkz stripes/\(name).\(ext)"),
                    to: concept.appendingPathComponent("\(name).\(ext)"))
            }
        }
        for index in 0..<2 {
            try FileManager.default.copyItem(
                at: source.appendingPathComponent("reg/1_stripes/grey_\(index).png"),
                to: regularisation.appendingPathComponent("grey_\(index).png"))
        }
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    @Test func checkpointsSamplesAndValidationFollowTheSettings() throws {
        var config = TrainingConfig()
        config.pretrainedModelNameOrPath = Fixtures.model("sd15-tiny").path
        config.trainDataDir = scratch.appendingPathComponent("train").path
        config.regDataDir = scratch.appendingPathComponent("reg").path
        config.priorLossWeight = 0.5
        config.outputDir = scratch.appendingPathComponent("out").path
        config.outputName = "stripes"
        config.resolution = Resolution(width: 64, height: 64)
        config.maxTrainEpochs = 3
        config.learningRate = 1e-3
        config.validationSplit = 0.34
        config.saveEveryNEpochs = 1
        config.saveLastNEpochs = 1
        config.sampleEveryNSteps = 3
        config.sampleEveryNEpochs = 2
        config.samplePromptList = [
            SamplePrompt(index: 0, prompt: "zkz stripes", width: 64, height: 64, steps: 2, seed: 1, sampler: .euler)
        ]
        config.cacheLatents = true
        config.seed = 2
        let events = EventLog()
        #expect(try Trainer(config: config, backend: CPUBackend()) { events.record($0) }.run())

        // One held-out image: 2 training images, balanced with 2 regularisation images: 4 steps per epoch.
        let steps = events.progress.map(\.step)
        #expect(steps == Array(1...12))
        let validations = events.all.compactMap {
            if case .validation(let step, let loss) = $0 { (step, loss) } else { nil }
        }
        #expect(validations.map(\.0) == [4, 8, 12], "validation at each epoch's end")
        #expect(validations.allSatisfy { $0.1.isFinite && $0.1 > 0 })

        // Steps 3, 6, 9, 12 by sample_every_n_steps, and the end of epoch 2 (step 8): both settings are honoured.
        let samples = events.all.compactMap { if case .sample(let s) = $0 { s.step } else { nil } }
        #expect(samples == [3, 6, 8, 9, 12])

        // Epoch files after epochs 1 and 2 (not 3: the final file is that one), the older removed by
        // save_last_n_epochs = 1.
        let checkpoints = events.all.compactMap { if case .checkpoint(let c) = $0 { c } else { nil } }
        #expect(
            checkpoints.map(\.url.lastPathComponent) == [
                "stripes-000001.safetensors", "stripes-000002.safetensors", "stripes.safetensors",
            ])
        let files = try FileManager.default.contentsOfDirectory(atPath: config.outputDir!).filter {
            $0.hasSuffix(".safetensors")
        }
        #expect(Set(files) == ["stripes-000002.safetensors", "stripes.safetensors"])
        let final = try SafeTensorsFile(contentsOf: try #require(checkpoints.last?.url))
        #expect(final.metadata["ss_num_train_images"] == "2")
        #expect(final.metadata["ss_num_reg_images"] == "2")
        #expect(final.metadata["ss_num_validation_images"] == "1")
        #expect(final.metadata["ss_steps"] == "12" && final.metadata["ss_epoch"] == "3")
    }
}
