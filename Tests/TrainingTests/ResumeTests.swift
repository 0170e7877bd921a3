import Foundation
import SafeTensors
import Tensors
import TestSupport
import Testing

@testable import Training

/// `save_state` / `resume`: a run stopped part-way and resumed from its state ends with exactly the weights of a run
/// that was not stopped, with everything random switched on (dropouts, flips, caption shuffling and tag dropout,
/// gradient accumulation across the stop, checkpointed blocks, a warm-up schedule).
struct ResumeTests {
    static func config(output: URL) -> TrainingConfig {
        var config = TrainingConfig()
        config.pretrainedModelNameOrPath = Fixtures.model("sd15-tiny").path
        config.trainDataDir = Fixtures.root.appendingPathComponent("datasets/stripes/train").path
        config.outputDir = output.path
        config.outputName = "resume"
        config.resolution = Resolution(width: 64, height: 64)
        config.trainBatchSize = 2
        config.gradientAccumulationSteps = 2
        config.maxTrainSteps = 5
        config.learningRate = 1e-3
        config.lrScheduler = .cosine
        config.lrWarmupSteps = .steps(2)
        config.networkDim = 4
        config.networkAlpha = 2
        config.networkDropout = 0.1
        config.networkArgs.rankDropout = 0.1
        config.networkArgs.convDim = 2
        config.flipAug = true
        config.shuffleCaption = true
        config.captionTagDropoutRate = 0.2
        config.gradientCheckpointing = true
        config.seed = 5
        return config
    }

    static func tensors(_ url: URL) throws -> [String: [Float]] {
        let file = try SafeTensorsFile(contentsOf: url)
        return try Dictionary(uniqueKeysWithValues: file.entries.map { ($0.name, try file.floats($0.name)) })
    }

    @Test func stoppedAndResumedRunEndsWithTheSameWeights() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-resume-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }

        let straight = Self.config(output: root.appendingPathComponent("straight"))
        #expect(try Trainer(config: straight, backend: CPUBackend()) { _ in }.run())

        let stopped = Self.config(output: root.appendingPathComponent("stopped"))
        let control = TrainingControl()
        let finished = try Trainer(config: stopped, backend: CPUBackend(), control: control) { event in
            if case .progress(let progress) = event, progress.step == 3 { control.requestStop() }
        }.run()
        #expect(!finished)
        let state = root.appendingPathComponent("stopped/resume-state")
        #expect(FileManager.default.fileExists(atPath: state.appendingPathComponent("state.safetensors").path))

        var resumed = stopped
        resumed.resume = state.path
        let log = EventLog()
        #expect(try Trainer(config: resumed, backend: CPUBackend()) { log.record($0) }.run())
        #expect(log.progress.map(\.step) == [4, 5], "the resumed run takes the remaining steps")

        let expected = try Self.tensors(root.appendingPathComponent("straight/resume.safetensors"))
        let actual = try Self.tensors(root.appendingPathComponent("stopped/resume.safetensors"))
        #expect(expected.keys.sorted() == actual.keys.sorted())
        #expect(expected.count > 100)
        for (name, values) in expected {
            #expect(actual[name] == values, "\(name) differs after resuming")
        }
        // The run moved the weights (LoRA up starts at zero).
        #expect(expected.filter { $0.key.hasSuffix("lora_up.weight") }.values.contains { $0.contains { $0 != 0 } })
    }

    /// `network_weights`: a run starts from a LoRA file's modules (with learning rate 0, it writes them back as read).
    @Test func networkWeightsStartFromAFile() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-weights-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let source = Fixtures.root.appendingPathComponent("lora/sd15-tiny-kohya.safetensors")
        var config = Self.config(output: root)
        config.networkWeights = source.path
        config.networkArgs.convDim = 2
        config.networkArgs.convAlpha = 1
        config.networkAlpha = 2
        config.maxTrainSteps = 1
        config.gradientAccumulationSteps = 1
        config.learningRate = 0
        config.networkDropout = nil
        config.networkArgs.rankDropout = nil
        #expect(try Trainer(config: config, backend: CPUBackend()) { _ in }.run())
        let expected = try Self.tensors(source)
        let actual = try Self.tensors(root.appendingPathComponent("resume.safetensors"))
        #expect(expected.keys.sorted() == actual.keys.sorted())
        for (name, values) in expected {
            #expect(actual[name] == values, "\(name) changed")
        }
    }
}
