import Diffusion
import Foundation
import LoRA
import SafeTensors
import Tensors
import TestSupport
import Testing

@testable import Training

/// One LoRA training step on the tiny models against PyTorch's kohya-style step (`tools/make_training_fixtures.py`):
/// the UNet's prediction, the loss, the gradient of every LoRA weight (so every layer's backward pass on the way:
/// attention, GEGLU, norms, convolutions, upsampling, concatenations, the text encoders …) and the weights after one
/// AdamW and one Lion step.
struct TrainingStepGoldenTests {
    static let cases = try! FileManager.default.contentsOfDirectory(
        at: Fixtures.root.appendingPathComponent("goldens/training"), includingPropertiesForKeys: nil
    ).filter { $0.pathExtension == "safetensors" }.map { $0.deletingPathExtension().lastPathComponent }.sorted()

    /// The golden file with its JSON metadata decoded.
    struct Case {
        let name: String
        let golden: Golden
        let metadata: [String: Any]

        init(_ name: String) throws {
            self.name = name
            golden = try Golden(
                contentsOf: Fixtures.root.appendingPathComponent("goldens/training/\(name).safetensors"))
            metadata = try golden.file.metadata.mapValues {
                try JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed)
            }
        }

        func string(_ key: String) throws -> String { try #require(metadata[key] as? String, "metadata \(key)") }
        func number(_ key: String) -> Float? { (metadata[key] as? NSNumber)?.floatValue }

        /// `<component>.<module path>` of every LoRA module in the file.
        var moduleStems: [String] {
            golden.file.entries.map(\.name).filter { $0.hasPrefix("lora.init.") && $0.hasSuffix(".down") }
                .map { String($0.dropFirst("lora.init.".count).dropLast(".down".count)) }.sorted()
        }
    }

    /// Our layout of a LoRA weight → PyTorch's (`[r, kh, kw, in]` → `[r, in, kh, kw]`; 1×1 and Linear reshape).
    static func pyTorchLayout(_ x: Tensor, like shape: [Int], on backend: any Backend) -> Tensor {
        if x.rank == 4 && shape.count == 4 { return backend.permute(x, [0, 3, 1, 2]) }
        return x.reshaped(shape)
    }

    /// With gradient checkpointing the blocks run again during the backward pass; the gradients must not change.
    @Test(arguments: cases, [false, true])
    func stepMatchesPyTorch(name: String, checkpointing: Bool) throws {
        let reference = try Case(name)
        let base = CPUBackend()
        let tape = GradientTape(base)
        tape.gradientCheckpointing = checkpointing
        let model = try StableDiffusionModel.load(
            from: Fixtures.model(try reference.string("model")), backend: tape)
        let pipeline = try TextToImagePipeline(model: model)
        let layers = model.adaptableLayers
        let layout = try LoRAModelLayout(model)
        let (alpha, convAlpha) = (try #require(reference.number("alpha")), reference.number("conv_alpha"))
        let modules = try reference.moduleStems.map { stem in
            let parts = stem.split(separator: ".", maxSplits: 1).map(String.init)
            let component = try #require(ModelComponent(rawValue: parts[0]))
            let kind = try #require(layout.layer(component, parts[1])?.kind, "no layer \(stem)")
            let down = try reference.golden.tensor("lora.init.\(stem).down", on: base)
            let up = try reference.golden.tensor("lora.init.\(stem).up", on: base)
            return LoadedLoRAModule(
                component: component, path: parts[1], kind: kind, down: base.download(down), downShape: down.shape,
                up: base.download(up), upShape: up.shape, alpha: kind.kernel > 1 ? try #require(convAlpha) : alpha)
        }
        let network = try LoRANetwork.loaded(modules, layout: layout, layers: layers, multiplier: 1, on: tape)
        try network.attach(to: layers)
        for entry in network.entries {
            tape.parameter(entry.module.down)
            tape.parameter(entry.module.up)
        }

        let latents = try reference.golden.channelsLast("input.latents", on: base)
        let noise = try reference.golden.channelsLast("input.noise", on: base)
        let timesteps = try reference.golden.values("input.timesteps").map { Int($0) }
        let captions = try #require(reference.metadata["captions"] as? [String])
        let sizes = try reference.golden.file["input.time_ids"].map { _ in
            try reference.golden.values("input.time_ids").chunked(6)
        }
        let schedulerConfig = try SchedulerConfig(json: model.schedulerConfig)
        let objective = DiffusionObjective(
            schedule: try NoiseSchedule(config: schedulerConfig, zeroSNRFloor: false),
            predictionType: try #require(PredictionType(rawValue: try reference.string("prediction_type"))),
            minSNRGamma: reference.number("min_snr_gamma"))
        let step = LoRATrainingStep(
            unet: model.unet, promptEncoder: pipeline.promptEncoder, objective: objective,
            clipSkip: Int(reference.number("clip_skip") ?? 1), tape: tape)
        let noiseValues = base.download(noise)
        let result = try step.train(
            TrainingBatch(latents: latents, captions: captions, lossWeights: [1, 1], sizeConditions: sizes),
            noise: TrainingNoise.Draw(timesteps: timesteps, noise: noiseValues),
            gradientScale: 1)

        let expectedLoss = try reference.golden.values("output.loss")[0]
        #expect(abs(result.loss.value - expectedLoss) <= 1e-5 * abs(expectedLoss) + 1e-7, "\(name): loss")
        let expectedPrediction = try reference.golden.channelsLast("output.unet", on: base)
        assertClose(
            result.prediction, expectedPrediction, rtol: 1e-4, atol: 1e-4 * peakMagnitude(expectedPrediction),
            label: "\(name) unet")

        // Gradients: relative to the largest gradient of the whole network, as small ones carry rounding noise.
        let unused = Set(reference.metadata["unused_modules"] as? [String] ?? [])
        var gradientPairs: [(Tensor, Tensor, String)] = []
        for entry in network.entries {
            let stem = "\(entry.spec.component.rawValue).\(entry.spec.path)"
            for (weight, suffix) in [(entry.module.down, "down"), (entry.module.up, "up")] {
                let expected = try reference.golden.tensor("lora.grad.\(stem).\(suffix)", on: base)
                // A module outside the graph (the last text encoder layer under clip skip) gets no gradient, as in
                // PyTorch, where the file stores zeros.
                guard let actual = tape.gradient(of: weight) else {
                    #expect(unused.contains(stem), "no gradient for \(stem).\(suffix)")
                    #expect(base.download(expected).allSatisfy { $0 == 0 })
                    continue
                }
                #expect(!unused.contains(stem), "\(stem) is outside PyTorch's graph but got a gradient")
                gradientPairs.append((Self.pyTorchLayout(actual, like: expected.shape, on: base), expected, stem))
            }
        }
        let peak = gradientPairs.map { peakMagnitude($0.1) }.max() ?? 0
        #expect(peak > 0)
        for (actual, expected, stem) in gradientPairs {
            assertClose(actual, expected, rtol: 1e-3, atol: 1e-4 * peak, label: "\(name) ∂\(stem)")
        }
        guard !checkpointing else { return }
        try checkOptimizerSteps(reference, network: network, tape: tape, unused: unused)
    }

    /// One AdamW step (a UNet group and a text encoder group with their own rates, as kohya's `unet_lr` and
    /// `text_encoder_lr`) and one Lion step from the initial weights with our gradients, against PyTorch's. Modules
    /// without a gradient take no step, as PyTorch's optimizers skip them.
    func checkOptimizerSteps(
        _ reference: Case, network: LoRANetwork, tape: GradientTape, unused: Set<String>
    ) throws {
        let base = tape.base
        func groups() throws -> [ParameterGroup] {
            var byGroup: [String: [TrainableParameter]] = [:]
            for entry in network.entries {
                let stem = "\(entry.spec.component.rawValue).\(entry.spec.path)"
                guard !unused.contains(stem) else { continue }
                for (weight, suffix) in [(entry.module.down, "down"), (entry.module.up, "up")] {
                    let initial = try reference.golden.tensor("lora.init.\(stem).\(suffix)", on: base)
                    let gradient = Self.pyTorchLayout(
                        try #require(tape.gradient(of: weight)), like: initial.shape, on: base)
                    let parameter = TrainableParameter(
                        name: "\(stem).\(suffix)", shape: initial.shape, value: base.download(initial))
                    parameter.gradient = base.download(gradient)
                    byGroup[entry.spec.component == .unet ? "unet" : "text_encoder", default: []].append(parameter)
                }
            }
            return byGroup.keys.sorted().map { ParameterGroup(name: $0, parameters: byGroup[$0]!, learningRate: 0) }
        }
        let adamGroups = try groups()
        let adamSettings = try #require(reference.metadata["adamw"] as? [String: Any])
        let rates = try #require(adamSettings["lr"] as? [String: Double])
        try AdamW(weightDecay: 0.01).step(adamGroups, learningRates: adamGroups.map { rates[$0.name] ?? .nan })
        let lionGroups = try groups()
        try Lion(beta1: 0.9, beta2: 0.99, weightDecay: 0.01).step(
            lionGroups, learningRates: lionGroups.map { _ in 1e-4 })
        for (groups, optimizer) in [(adamGroups, "adamw"), (lionGroups, "lion")] {
            for parameter in groups.flatMap(\.parameters) {
                let expected = try reference.golden.values("lora.\(optimizer).\(parameter.name)")
                let initial = try reference.golden.values("lora.init.\(parameter.name)")
                let gradient = parameter.gradient
                let peak = gradient.map(abs).max() ?? 0
                // The first step of both moves a weight by about ±lr·g/|g|: where g is rounding noise (|g| below a
                // thousandth of the tensor's largest gradient, comparable to AdamW's eps) its direction is not
                // reproducible, so those weights are left out.
                let mismatches = zip(zip(parameter.value, expected), zip(initial, gradient)).filter { pair, source in
                    let settled = abs(source.1) < 1e-3 * peak
                    return !settled && abs(pair.0 - pair.1) > 1e-6 + 1e-5 * abs(pair.1)
                }
                #expect(
                    mismatches.isEmpty,
                    "\(reference.name) \(optimizer) \(parameter.name): \(mismatches.count) weights differ")
                let compared = gradient.filter { abs($0) >= 1e-3 * peak }.count
                #expect(
                    compared * 5 >= gradient.count * 4,
                    "\(parameter.name): only \(compared) of \(gradient.count) compared")
            }
        }
    }
}

extension Array {
    /// Consecutive slices of `size` elements.
    fileprivate func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
